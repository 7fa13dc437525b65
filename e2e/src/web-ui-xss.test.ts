// Captured HTML is hostile: a message carrying <script>, on* handlers, javascript: links, forms, frames and
// <meta http-equiv=refresh> is opened in the web UI's HTML tab, its links are clicked, and nothing runs in
// the app's origin, nothing navigates the app, and the frame itself stays on the message.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { launchBrowser, screenshotPath, watchAppErrors, type TestBrowser } from './support/browser';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';

const INBOX = 'xss@capture.test';
const HOSTILE_HTML = [
  '<!doctype html><html><head>',
  '<meta http-equiv="refresh" content="0;url=https://example.com">',
  '<META HTTP-EQUIV="Refresh" CONTENT="0; URL=/account">',
  '<!--><meta http-equiv="refresh" content="0;url=/">-->',
  '<base href="https://example.com/" target="_top">',
  '</head><body>',
  '<p id="bait">Hello from a hostile sender</p>',
  '<script>window.__pwned=1; try { parent.__pwned=1; top.__pwned=1; } catch (e) {}</script>',
  '<img id="broken" src=x onerror="window.__pwned=2; try { parent.__pwned=2; } catch (e) {}">',
  '<a id="js-link" href="javascript:window.__pwned=3;try{top.__pwned=3;top.location=\'https://example.com\'}catch(e){}">Click me</a>',
  '<a id="top-link" href="/account" target="_top">Go top</a>',
  '<form action="/api/addresses/xss@capture.test/messages" method="post"><button id="submit">Submit</button></form>',
  '<svg onload="top.__pwned=5"><circle r="5"></circle></svg>',
  '<iframe src="javascript:top.__pwned=4"></iframe>',
  '<object data="data:text/html,<script>top.__pwned=6</script>"></object>',
  '</body></html>',
].join('\n');

type Pwnable = { __pwned?: unknown };

describe('web UI: captured HTML cannot script or navigate the app', () => {
  let box: CaptureboxProcess;
  let browser: TestBrowser;
  let messageId: string;

  before(async () => {
    box = await CaptureboxProcess.start();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false } });
    await transport.sendMail({ from: 'attacker@example.com', to: INBOX, subject: 'Totally harmless', html: HOSTILE_HTML, text: 'harmless' });
    transport.close();
    const list = (await (await box.api(`/api/addresses/${INBOX}/messages`)).json()) as Array<{ _id: string }>;
    messageId = list[0]._id;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await box.dispose();
  });

  test('script, handlers, javascript: links, forms and meta refresh do nothing in the app page', async () => {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const appErrors = watchAppErrors(page);
    const messageUrl = `${box.baseUrl}/inbox/${INBOX}/${messageId}`;
    await page.goto(messageUrl);
    const frame = page.frameLocator('iframe.html-frame');
    await frame.locator('#bait').waitFor();

    // Click everything clickable inside the frame; each would run script or navigate if it could.
    for (const selector of ['#js-link', '#top-link', '#submit']) {
      await frame.locator(selector).click({ timeout: 2000 }).catch(() => undefined);
    }
    // Longer than any refresh delay in the message, and than a click's navigation would take.
    await page.waitForTimeout(1500);

    assert.equal(page.url(), messageUrl, 'the app page did not navigate');
    assert.equal(await page.evaluate(() => (globalThis as Pwnable).__pwned), undefined, 'no script ran in the app origin');
    for (const other of browser.context.pages()) {
      assert.equal(await other.evaluate(() => (globalThis as Pwnable).__pwned).catch(() => undefined), undefined, `nothing ran in ${other.url()}`);
    }
    const mailFrame = page.frames().find((candidate) => candidate.url().includes('/ui/render/'));
    assert.ok(mailFrame, 'the message frame is still there');
    assert.match(mailFrame.url(), new RegExp(`/ui/render/${encodeURIComponent(INBOX)}/${messageId}$`), 'the frame was not refreshed elsewhere');
    assert.equal(await mailFrame.evaluate(() => (globalThis as Pwnable).__pwned), undefined, 'no script ran inside the frame either');
    assert.equal(await page.getByRole('heading', { level: 1, name: 'Totally harmless' }).count(), 1);
    await page.screenshot({ path: screenshotPath('message-hostile-html') });
    assert.deepEqual(appErrors, []);
  });

  test('the frame document is served sandboxed in an opaque origin, running only its own nonced script, with http-equiv disarmed and no remote images until asked', async () => {
    const response = await box.api(`/ui/render/${INBOX}/${messageId}`, { key: null });
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /^sandbox\b/);
    assert.doesNotMatch(csp, /allow-same-origin|allow-top-navigation|allow-forms/);
    assert.match(csp, /default-src 'none'/);
    const nonce = /script-src 'nonce-([A-Za-z0-9+/=]{20,})'(;|$)/.exec(csp)?.[1];
    assert.ok(nonce, `script-src admits one nonce and nothing else: ${csp}`);
    const other = (await box.api(`/ui/render/${INBOX}/${messageId}`, { key: null })).headers.get('content-security-policy') ?? '';
    assert.doesNotMatch(other, new RegExp(nonce.replace(/[+/=]/g, '\\$&')), 'a fresh nonce per response');
    assert.match(csp, /img-src data: cid:;/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    const html = await response.text();
    assert.doesNotMatch(html, /http-equiv/i, 'no http-equiv attribute survives');
    assert.match(html, /<base target="_blank">/);

    const withImages = await box.api(`/ui/render/${INBOX}/${messageId}?images=1`, { key: null });
    assert.match(withImages.headers.get('content-security-policy') ?? '', /img-src data: cid: http: https:/);

    const page = browser.context.pages()[0];
    await page.getByRole('button', { name: 'Show remote images' }).click();
    await page.getByText('Remote images are shown.').waitFor();
    assert.match((await page.locator('iframe.html-frame').getAttribute('src')) ?? '', /\?images=1$/);
  });
});
