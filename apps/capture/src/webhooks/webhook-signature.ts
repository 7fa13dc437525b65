// How a delivery is signed (Stripe's scheme): `Capturebox-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`,
// the HMAC keyed with the webhook's secret over "<t>.<raw body>". The timestamp is inside the signed text, so
// a receiver that refuses a `t` older than a few minutes refuses a replayed delivery too. The README shows
// the receiver's side in JavaScript and Python; `verifyWebhookSignature` is the same check, for tests.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Capturebox-Signature';
/** The delivery id: the same on every retry of one delivery, so the receiver can drop a repeat. */
export const DELIVERY_HEADER = 'Capturebox-Delivery';
export const WEBHOOK_HEADER = 'Capturebox-Webhook';

export function signWebhookBody(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${hmac(secret, t, body)}`;
}

/** True when the header signs `body` with `secret` and its timestamp is within `toleranceSeconds` of `now`. */
export function verifyWebhookSignature(secret: string, body: string, header: string, now = new Date(), toleranceSeconds = 300): boolean {
  const fields = new Map(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const t = Number(fields.get('t'));
  const given = Buffer.from(fields.get('v1') ?? '', 'hex');
  if (!Number.isInteger(t) || Math.abs(now.getTime() / 1000 - t) > toleranceSeconds) return false;
  const expected = Buffer.from(hmac(secret, t, body), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function hmac(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
}
