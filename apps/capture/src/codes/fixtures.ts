// A corpus of real-world-shaped mail, with the codes each must yield (best first) and nothing else: the
// code finder's spec runs it, and the e2e test sends it over SMTP and reads it back on both stores.
import type { CodeSource } from './readable-text';

export interface CorpusMail {
  name: string;
  subject: string;
  text?: string;
  html?: string;
  /** The codes findCodes must return, in order, with where the best one was found. */
  codes: Array<{ value: string; source: CodeSource }>;
  /** Links the message has (checked as a subset of `links`). */
  links?: string[];
}

const footer = `
Acme Inc., 548 Market St #12345, San Francisco, CA 94107
Call us: (415) 555-0134 or +1 800 555 0199. © 2025 Acme. Unsubscribe: https://acme.example/u?id=8F3K2L9QZ1`;

export const CODE_CORPUS: CorpusMail[] = [
  {
    name: 'sign-up verification with a link and a code',
    subject: 'Confirm your email address',
    text: `Hi Sam,

Thanks for signing up for Acme! Confirm your address by opening this link:
https://app.acme.example/verify-email?token=Q7ZK3P9W2M&uid=1042

Or enter this verification code in the app: 739204

The link and the code expire on 2025-11-03 at 14:30 UTC.
${footer}`,
    codes: [{ value: '739204', source: 'text' }],
    links: ['https://app.acme.example/verify-email?token=Q7ZK3P9W2M&uid=1042'],
  },
  {
    name: 'password reset with a 6-digit code',
    subject: 'Reset your password',
    text: `We received a request to reset the password for your account (account 40021877).

Your password reset code is 518 206.

It expires in 10 minutes. If you did not ask for this, ignore this message.
${footer}`,
    codes: [{ value: '518 206', source: 'text' }],
  },
  {
    name: 'magic-link login with no code',
    subject: 'Your sign-in link for Acme',
    text: `Click the link below to sign in to Acme. This link expires in 15 minutes and can be used once.

https://app.acme.example/magic?token=eyJhbGciOiJIUzI1NiJ9.ABC123.XYZ789&redirect=%2Fdashboard

Requested from Chrome on macOS, 10:42 AM, IP 203.0.113.42.
${footer}`,
    codes: [],
    links: ['https://app.acme.example/magic?token=eyJhbGciOiJIUzI1NiJ9.ABC123.XYZ789&redirect=%2Fdashboard'],
  },
  {
    name: '2FA, SMS-style, code in the subject and the text',
    subject: 'Your code is 482913',
    text: 'Your Acme code is 482913. Do not share it with anyone. Reply STOP to 55123 to opt out.',
    codes: [{ value: '482913', source: 'subject' }],
  },
  {
    name: 'code before its code word, in the subject',
    subject: '204816 is your Instagram code',
    text: 'Hi sam_42, someone tried to log in to your account. If this was you, enter 204816 to confirm.',
    codes: [{ value: '204816', source: 'subject' }],
  },
  {
    name: 'alphanumeric codes',
    subject: 'Your one-time passcode',
    text: `Your one-time passcode: K7P-9QX

Backup token: AB12CD (use it only if the passcode does not work).
Model XR-200 · Ticket SUP-4821 · Build v2.4.1`,
    codes: [
      { value: 'K7P-9QX', source: 'text' },
      { value: 'AB12CD', source: 'text' },
    ],
  },
  {
    name: 'HTML-only mail with the code in a styled <td>',
    subject: 'Verify your sign-in',
    html: `<!doctype html><html><head><title>Code 999999</title>
<style>.code{color:#123456;background:#0a0b0c;font:32px/40px monospace} @media (max-width:600px){.c{width:320px}}</style>
<script>var build = 20250101, x = "code 888888";</script></head>
<body style="background-color:#f4f4f4">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="border-color:#DDDDDD">
  <tr><td style="font-size:16px;color:#333333">Your verification code</td></tr>
  <tr><td class="code" style="font-size:32px;letter-spacing:6px;color:#1A73E8;padding:24px" data-id="555555">
     604 117
  </td></tr>
  <tr><td>This code expires in 10 minutes. Requested on Nov 3, 2025 at 14:30.</td></tr>
  <tr><td><a href="https://acme.example/security?ref=777777">Not you? Secure your account</a></td></tr>
  <tr><td style="color:#999999">Acme Inc., 548 Market St, San Francisco, CA 94107 · (415) 555-0134</td></tr>
</table></body></html>`,
    codes: [{ value: '604 117', source: 'html' }],
    links: ['https://acme.example/security?ref=777777'],
  },
  {
    name: 'German, Spanish and Italian code words',
    subject: 'Ihr Bestätigungscode',
    text: 'Ihr Bestätigungscode lautet: 731905\nTu código de verificación es 264810\nIl tuo codice è 917364',
    codes: [
      { value: '731905', source: 'text' },
      { value: '917364', source: 'text' },
      { value: '264810', source: 'text' },
    ],
  },
  {
    name: 'marketing newsletter: prices, dates, phones, orders, zip codes, colours, promo codes, no code',
    subject: 'BLACK FRIDAY: 40% off everything until 11/30/2025',
    html: `<html><head><style>body{color:#333333} .btn{background:#FF5733;border:1px solid #C70039}</style></head><body>
<div style="color:#1A2B3C">Prices from $49.99 · was €1299, now €899 · 2 for £30</div>
<p>Use promo code SAVE2025 at checkout for 25% off. Coupon code BF40OFF too.</p>
<p>Use code WINTER25 when you shop now.</p>
<p>Offer valid 11/24/2025–11/30/2025, 9:00–21:00 CET. Since 1998.</p>
<p>Your order 4411223344 ships in 3-5 days. Order #A12345. Tracking 1Z999AA10123456784.</p>
<p>Free shipping to zip code 94107 and postal code SW1A 1AA. Call 1-800-555-0199 or (415) 555 0134.</p>
<p>Colour #FFAA00, item 100234, SKU 7788-1234, model RX2000.</p>
<p>Member ID 88213490 · Session 5f2c9a7e3b · version 3.14.159</p>
<a href="https://shop.example/deals?utm_source=newsletter&amp;code=123456">Shop the sale</a>
</body></html>`,
    text: `BLACK FRIDAY - 40% off everything!
Prices from $49.99. Use promo code SAVE2025 at checkout.
Call us at 415-555-0134. Order 4411223344 ships soon. ZIP 94107.
${footer}`,
    codes: [],
    links: ['https://shop.example/deals?utm_source=newsletter&code=123456'],
  },
  {
    name: 'receipt with an order number, an amount and a date',
    subject: 'Your receipt for order #100234567',
    text: `Thanks for your order!

Order number: 100234567
Invoice INV-2025-0042, paid on 2025-11-03.
Total: $1,249.00 (VAT 20%: $208.17)
Card ending 4242. Reference 55667788.
Questions? Call 0800 123 4567.
${footer}`,
    codes: [],
  },
];
