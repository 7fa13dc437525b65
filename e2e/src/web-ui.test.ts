// The web UI in a real browser (Debian's Chromium through playwright-core) against the built service:
// mail sent over SMTP appears in an open inbox page without a reload; the message view's tabs show its
// HTML, text, source, headers, attachments and links; delete asks for an API key; private mail shows only
// after signing in with its owner's key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshotPath, watchAppErrors, type TestBrowser } from './support/browser';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess, eventually } from './support/capturebox-process';

const INBOX = 'web-ui@capture.test';
const PRIVATE_INBOX = 'private-ui@capture.test';
const REPORT_CSV = Buffer.from('id,total\n1,42.00\n\u00e9\x00\xff binary tail', 'latin1');
// A 1x1 PNG, shown through a cid: reference.
const PIXEL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYPj/HwADAgH/eL9GtQAAAABJRU5ErkJggg==', 'base64');

describe('web UI: live inbox and message view', () => {
  let box: CaptureboxProcess;
  let transport: Transporter;

  before(async () => {
    box = await CaptureboxProcess.start();
    transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: box.smtpPort,
      auth: { user: ADMIN_USER, pass: ADMIN_API_KEY },
      tls: { rejectUnauthorized: false },
    });
  });
  after(async () => {
    transport.close();
    await box.dispose();
  });

  async function withBrowser(run: (page: Page) => Promise<void>): Promise<void> {
    const browser: TestBrowser = await launchBrowser();
    try {
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      const appErrors = watchAppErrors(page);
      await run(page);
      assert.deepEqual(appErrors, [], 'no CSP violations or uncaught errors in the app itself');
    } finally {
      await browser.close();
    }
  }

  test('a message sent over SMTP appears without reload; its tabs show HTML, text, source, headers, attachments, links; delete signs in', async () => {
    await withBrowser(async (page) => {
      await page.goto(`${box.baseUrl}/inbox/${INBOX}`);
      await page.getByText('No mail here yet').waitFor();
      await page.getByText('Live', { exact: true }).waitFor();
      await page.screenshot({ path: screenshotPath('inbox-empty-desktop') });
      // Survives only if the page is never reloaded.
      await page.evaluate(() => ((globalThis as { __sameDocument?: boolean }).__sameDocument = true));

      await transport.sendMail({
        from: '"Release Bot" <releases@example.com>',
        to: INBOX,
        subject: 'Build 42 is ready',
        text: 'Plain words for build 42. Details: https://example.com/builds/42',
        html:
          '<h1 id="headline">Build 42 is ready</h1><p>See <a id="details" href="https://example.com/builds/42">the details</a>.</p>' +
          '<img id="logo" alt="logo" src="cid:logo@capture.test">',
        headers: { 'X-Web-Ui-Test': 'tabs-and-live' },
        attachments: [
          { filename: 'report.csv', content: REPORT_CSV, contentType: 'text/csv' },
          { filename: 'logo.png', content: PIXEL_PNG, contentType: 'image/png', cid: 'logo@capture.test' },
        ],
      });

      const row = page.locator('.message-row', { hasText: 'Build 42 is ready' });
      await row.waitFor({ timeout: 10_000 });
      assert.equal(await page.evaluate(() => (globalThis as { __sameDocument?: boolean }).__sameDocument), true, 'no reload happened');
      assert.match(await row.innerText(), /Release Bot/);
      assert.equal(await row.locator('.attachment-mark').count(), 1, 'attachment marker');
      assert.match(await row.getAttribute('class') ?? '', /is-unread/);
      assert.match(await page.locator('.inbox__summary').innerText(), /1 message\b/);
      await page.screenshot({ path: screenshotPath('inbox-desktop') });

      await row.getByRole('link').click();
      await page.getByRole('heading', { level: 1, name: 'Build 42 is ready' }).waitFor();
      const messageUrl = page.url();
      assert.match(messageUrl, new RegExp(`/inbox/${encodeURIComponent(INBOX)}/[A-Za-z0-9_-]+-0$`));

      // HTML: the sandboxed frame shows the mail, with its inline (cid:) image.
      const frameElement = page.locator('iframe.html-frame');
      // Scripts only for the document's own nonced height report (its CSP); never the app's origin.
      assert.equal(await frameElement.getAttribute('sandbox'), 'allow-scripts allow-popups allow-popups-to-escape-sandbox');
      const frame = page.frameLocator('iframe.html-frame');
      assert.equal(await frame.locator('#headline').innerText(), 'Build 42 is ready');
      assert.equal(await frame.locator('#details').getAttribute('href'), 'https://example.com/builds/42');
      await eventually(async () => ((await frame.locator('#logo').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)) === 1 ? true : undefined));
      await page.screenshot({ path: screenshotPath('message-desktop') });

      await page.getByRole('tab', { name: 'Text' }).click();
      assert.match(await page.locator('.tabs__panel pre').innerText(), /Plain words for build 42/);

      await page.getByRole('tab', { name: 'Source' }).click();
      const source = await page.locator('.tabs__panel pre').innerText();
      assert.match(source, /^X-Web-Ui-Test: tabs-and-live$/m);
      assert.match(source, /^Subject: Build 42 is ready$/m);

      await page.getByRole('tab', { name: 'Headers' }).click();
      const headerRow = page.locator('.headers-table tbody tr', { has: page.locator('th', { hasText: /^x-web-ui-test$/ }) });
      assert.equal(await headerRow.locator('td').innerText(), 'tabs-and-live');
      assert.equal(await page.locator('.headers-table tbody tr', { has: page.locator('th', { hasText: /^subject$/ }) }).locator('td').innerText(), 'Build 42 is ready');

      await page.getByRole('tab', { name: /Attachments \(2\)/ }).click();
      const item = page.locator('.attachment-list__item', { hasText: 'report.csv' });
      const [download] = await Promise.all([page.waitForEvent('download'), item.getByRole('link', { name: /Download/ }).click()]);
      assert.equal(download.suggestedFilename(), 'report.csv');
      assert.deepEqual(readFileSync(await download.path()), REPORT_CSV, 'downloaded bytes are the attachment');

      await page.getByRole('tab', { name: /Links/ }).click();
      assert.equal(await page.locator('.link-list a', { hasText: 'https://example.com/builds/42' }).getAttribute('rel'), 'noopener noreferrer');

      // Delete needs a key: the UI asks for one, then deletes and goes back to the inbox.
      await page.getByRole('button', { name: 'Delete' }).click();
      const dialog = page.getByRole('dialog', { name: 'Sign in' });
      await dialog.waitFor();
      await dialog.getByLabel('API key').fill(ADMIN_API_KEY);
      await dialog.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${box.baseUrl}/inbox/${encodeURIComponent(INBOX)}`);
      await page.getByText('No mail here yet').waitFor();
      const id = messageUrl.slice(messageUrl.lastIndexOf('/') + 1);
      assert.equal((await box.api(`/api/addresses/${INBOX}/messages/${id}`)).status, 404, 'deleted in the store');
      assert.match(await page.locator('.app-header__account').innerText(), new RegExp(ADMIN_USER));
    });
  });

  test('private (starred) mail is hidden from an anonymous visitor and shown after signing in with the owner key', async () => {
    await transport.sendMail({ from: 'app@example.com', to: PRIVATE_INBOX, subject: 'Public hello', text: 'for everyone' });
    await transport.sendMail({ from: 'app@example.com', to: PRIVATE_INBOX, subject: 'Secret reset link', html: '<p id="secret">Reset: https://example.com/reset/123</p>' });
    const list = (await (await box.api(`/api/addresses/${PRIVATE_INBOX}/messages`)).json()) as Array<{ _id: string; subject: string }>;
    const secret = list.find((message) => message.subject === 'Secret reset link')!;
    const starred = await box.api(`/api/addresses/${PRIVATE_INBOX}/messages/${secret._id}/star`, { method: 'PUT' });
    assert.equal(((await starred.json()) as { savedBy: string }).savedBy, 'admin');
    assert.equal((await box.api('/api/addresses/mine-ui@capture.test', { method: 'POST' })).status, 200);

    await withBrowser(async (page) => {
      await page.goto(`${box.baseUrl}/inbox/${PRIVATE_INBOX}`);
      await page.locator('.message-row', { hasText: 'Public hello' }).waitFor();
      assert.equal(await page.locator('.message-row', { hasText: 'Secret reset link' }).count(), 0, 'anonymous: private mail is not listed');

      await page.goto(`${box.baseUrl}/inbox/${PRIVATE_INBOX}/${secret._id}`);
      await page.getByRole('heading', { level: 1, name: 'Message not available' }).waitFor();
      assert.match(await page.getByRole('alert').innerText(), /Not found/);
      // The frame route says the same to an anonymous caller.
      assert.equal((await box.api(`/ui/render/${PRIVATE_INBOX}/${secret._id}`, { key: null })).status, 404);

      await page.getByRole('link', { name: 'Sign in' }).click();
      await page.getByLabel('API key').fill(ADMIN_API_KEY);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
      await page.locator('.starred .message-row', { hasText: 'Secret reset link' }).waitFor();
      // The account's private addresses are listed, each a link to its inbox.
      await page.locator('.owned__list a', { hasText: 'mine-ui@capture.test' }).waitFor();
      assert.equal(await page.locator('.owned__list a', { hasText: 'mine-ui@capture.test' }).getAttribute('href'), '/inbox/mine-ui%40capture.test');
      await page.screenshot({ path: screenshotPath('account-desktop') });

      await page.goto(`${box.baseUrl}/inbox/${PRIVATE_INBOX}`);
      await page.locator('.message-row', { hasText: 'Secret reset link' }).waitFor();
      assert.equal(await page.locator('.message-row').count(), 2);
      await page.locator('.message-row', { hasText: 'Secret reset link' }).getByRole('link').click();
      assert.match(await page.frameLocator('iframe.html-frame').locator('#secret').innerText(), /Reset:/, 'the frame renders private mail for its owner');

      await page.goto(`${box.baseUrl}/account`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
      await page.goto(`${box.baseUrl}/inbox/${PRIVATE_INBOX}`);
      await page.locator('.message-row', { hasText: 'Public hello' }).waitFor();
      assert.equal(await page.locator('.message-row', { hasText: 'Secret reset link' }).count(), 0, 'signed out: hidden again');
    });
  });

  test('pages carry the strict CSP; the SPA routes do not shadow the API or health routes', async () => {
    const home = await fetch(`${box.baseUrl}/`);
    const csp = home.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'self'", "frame-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
      assert.ok(csp.includes(directive), `${directive} in ${csp}`);
    }
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(home.headers.get('cache-control'), 'no-cache');
    const html = await home.text();
    const script = /src="(\/assets\/app-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    assert.ok(script, 'index.html names the hashed bundle');
    const asset = await fetch(`${box.baseUrl}${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /max-age=31536000.*immutable/);
    assert.equal((await fetch(`${box.baseUrl}/inbox/someone@capture.test/abc-0`)).headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal((await fetch(`${box.baseUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${box.baseUrl}/api/addresses/nobody@capture.test/message-count`)).status, 200);
    assert.equal((await fetch(`${box.baseUrl}/assets/..%2Fweb-ui%2Findex.html`)).status, 404);
  });

  // Last: it stops the service.
  test('a live inbox stream is Server-Sent Events, and an open one does not hold up shutdown', async () => {
    const stream = await fetch(`${box.baseUrl}/ui/events/inbox/${INBOX}`);
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = stream.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /^retry: \d+\n/);

    await transport.sendMail({ from: 'app@example.com', to: INBOX, subject: 'Streamed', text: 'x' });
    let received = '';
    while (!received.includes('event: captured')) received += new TextDecoder().decode((await reader.read()).value);
    const data = JSON.parse(/^data: (.*)$/m.exec(received)![1]) as { _id: string; inbox: string; subject: string };
    assert.equal(data.inbox, INBOX);
    assert.match(data._id, /-0$/);
    // The event is the message's summary exactly as the API lists it: the browser reads nothing more.
    const [listed] = (await (await fetch(`${box.baseUrl}/api/addresses/${INBOX}/messages?limit=1`)).json()) as unknown[];
    assert.deepEqual(data, listed);

    const stopping = Date.now();
    const hung = new Promise<string>((resolve) => setTimeout(() => resolve('still running after 10 s'), 10_000).unref());
    assert.equal(await Promise.race([box.stop(), hung]), 0, 'SIGTERM ends the service although a stream is open');
    assert.ok(Date.now() - stopping < 5000, `stopped in ${Date.now() - stopping} ms`);
    assert.equal((await reader.read()).done, true, 'the stream was ended by the server');
  });
});
