// The web UI's webhooks page in a real browser against the built service: a signed-in reader adds a webhook
// on an owned address pointing at a real receiver (support/webhook-receiver.ts, which checks signatures),
// reads its secret on request, sees a message sent over SMTP listed as delivered, and deletes the webhook.
// Also at phone width in dark mode (screenshots), where nothing may scroll sideways.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { launchBrowser, screenshotPath, watchAppErrors, type TestBrowser } from './support/browser';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess, eventually } from './support/capturebox-process';
import { WebhookReceiver } from './support/webhook-receiver';

const OWNED = 'hooked-ui@capture.test';

describe('web UI: webhooks', () => {
  const secrets = new Map<string, string>();
  const receiver = new WebhookReceiver(() => secrets);
  let box: CaptureboxProcess;
  let browser: TestBrowser;

  before(async () => {
    await receiver.start();
    box = await CaptureboxProcess.start();
    assert.equal((await box.api(`/api/addresses/${OWNED}`, { method: 'POST' })).status, 200);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await box?.dispose();
    await receiver.stop();
  });

  test('sign in, add a webhook on an owned address, see its secret and a delivered message, delete it', async () => {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: box.baseUrl });
    const appErrors = watchAppErrors(page);

    await page.goto(`${box.baseUrl}/account`);
    assert.equal(await page.getByRole('link', { name: 'Webhooks' }).count(), 0, 'signed out: no webhooks link');
    await page.getByLabel('API key').fill(ADMIN_API_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/webhooks');
    await page.getByText('No webhooks yet').waitFor();

    // A URL that is not one is refused before asking the server.
    await page.getByLabel('Address').fill(OWNED);
    await page.getByLabel('URL').fill('not a url');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    assert.match(await page.getByRole('alert').innerText(), /whole URL/);

    await page.getByLabel('Watches').selectOption('address');
    await page.getByLabel('URL').fill(receiver.url);
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const item = page.locator('.webhook', { hasText: receiver.url });
    await item.waitFor();
    assert.match(await item.innerText(), new RegExp(`Private address: ${OWNED.replace('.', '\\.')}`));
    const [stored] = (await (await box.api('/api/webhooks')).json()) as Array<{ _id: string; secret: string; kind: string; target: string; url: string }>;
    assert.deepEqual({ kind: stored.kind, target: stored.target, url: stored.url }, { kind: 'address', target: OWNED, url: receiver.url }, 'created through the API');
    secrets.set(stored._id, stored.secret);

    // The secret is hidden until asked for; Copy puts it on the clipboard.
    const secretValue = item.locator('.secret__value');
    assert.doesNotMatch(await secretValue.innerText(), /whsec_/);
    assert.doesNotMatch(await page.locator('body').innerText(), new RegExp(stored.secret));
    await item.getByRole('button', { name: 'Show' }).click();
    assert.equal(await secretValue.innerText(), stored.secret);
    await item.getByRole('button', { name: 'Hide' }).click();
    await item.getByRole('button', { name: 'Copy' }).click();
    await item.getByText('Copied').waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), stored.secret);
    await item.getByText('None yet').waitFor();

    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false } });
    const sent = await transport.sendMail({ from: 'ci@example.com', to: OWNED, subject: 'Hook me', text: 'to the receiver' });
    transport.close();
    const messageId = `${/queued as (\S+)$/.exec(sent.response)![1]}-0`;
    await eventually(async () => (receiver.received.length > 0 ? true : undefined));
    assert.equal(receiver.received[0].messageId, messageId);
    assert.ok(receiver.received[0].signatureValid, 'signed with the secret the page showed');

    // The page re-reads the log by itself: the delivery shows up as delivered, with the receiver's 200.
    const row = item.locator('.deliveries-table tbody tr', { hasText: 'delivered' });
    await row.waitFor({ timeout: 15_000 });
    const cells = await row.locator('td').allInnerTexts();
    assert.equal(cells[1], OWNED, 'inbox');
    assert.equal(cells[3], '1', 'attempts');
    assert.equal(cells[4], '200', 'last status');
    assert.match(cells[5], /^\d+ ms$/, 'latency');
    await page.screenshot({ path: screenshotPath('webhooks-desktop') });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.equal(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'), 0, 'nothing scrolls sideways at 390 px');
    await page.screenshot({ path: screenshotPath('webhooks-dark-phone'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });

    await item.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this webhook?' });
    await dialog.getByRole('button', { name: 'Delete webhook' }).click();
    await page.getByText('No webhooks yet').waitFor();
    assert.deepEqual(await (await box.api('/api/webhooks')).json(), [], 'deleted in the store');
    assert.equal((await box.api(`/api/webhooks/${stored._id}`)).status, 404);
    assert.deepEqual(appErrors, [], 'no CSP violations or uncaught errors in the app itself');
  });
});
