// The account page and the account-wide search in Debian's Chromium against the built service: a signed-in
// account lists its API keys, creates one whose secret is shown once (and works on the API), revokes it
// (and the API refuses it from then on); sees its webhooks link and private addresses, reserves and
// releases one; and searches across
// its addresses, with new matching mail showing up by itself. Phone and dark screenshots; axe-core finds
// no serious or critical violation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { seriousAccessibilityViolations } from './support/axe';
import { launchBrowser, screenshotPath, watchAppErrors, type TestBrowser } from './support/browser';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';

const FIRST = 'carol-orders@capture.test';
const SECOND = 'carol-billing@capture.test';
const STRANGER = 'someone-else@capture.test';
const NEW_ADDRESS = 'carol-signup@capture.test';

describe('web UI: account page (API keys) and search across addresses', () => {
  let box: CaptureboxProcess;
  let browser: TestBrowser;
  let page: Page;
  let appErrors: string[];
  let carolKey: string;
  const send = async (to: string, subject: string) => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false } });
    await transport.sendMail({ from: 'shop@example.com', to, subject, text: subject });
    transport.close();
  };
  const accessibility = async (view: string) => assert.deepEqual(await seriousAccessibilityViolations(page), [], `axe on ${view}`);

  before(async () => {
    box = await CaptureboxProcess.start();
    const created = await box.api('/api/admin/accounts', { method: 'POST', body: JSON.stringify({ username: 'carol' }), headers: { 'Content-Type': 'application/json' } });
    carolKey = ((await created.json()) as { apiKey: string }).apiKey;
    for (const address of [FIRST, SECOND]) assert.equal((await box.api(`/api/addresses/${address}`, { method: 'POST', key: carolKey })).status, 200);
    await send(FIRST, 'Monthly report: orders');
    await send(SECOND, 'Monthly report: billing');
    await send(STRANGER, 'Monthly report: not carol');
    browser = await launchBrowser();
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: box.baseUrl });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    appErrors = watchAppErrors(page);
    await page.goto(`${box.baseUrl}/account`);
    await page.getByLabel('API key').fill(carolKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await box?.dispose();
  });

  test('API keys: listed without secrets, a new one shown once and working, revoked and refused', async () => {
    const keys = page.getByRole('region', { name: 'API keys' });
    await keys.locator('.api-keys__label', { hasText: 'initial' }).waitFor();
    assert.doesNotMatch(await keys.innerText(), new RegExp(carolKey), 'the listing never shows a secret');

    await keys.getByLabel('Label for a new key').fill('CI pipeline');
    await keys.getByRole('button', { name: 'Create key' }).click();
    const secret = (await keys.locator('.api-keys__secret').innerText()).trim();
    assert.match(secret, /\S{20,}/);
    assert.equal((await box.api('/api/me', { key: secret })).status, 200, 'the new key works on the API');
    await keys.getByRole('button', { name: 'Copy key' }).click();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), secret);
    await keys.locator('.api-keys__label', { hasText: 'CI pipeline' }).waitFor();
    await page.screenshot({ path: screenshotPath('account-keys-desktop'), fullPage: true });
    await accessibility('the account page with a new key');

    await page.reload();
    await keys.locator('.api-keys__label', { hasText: 'CI pipeline' }).waitFor();
    assert.equal(await keys.locator('.api-keys__secret').count(), 0, 'the secret is shown once only');

    await keys.getByRole('button', { name: 'Revoke key CI pipeline' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke this key?' });
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await keys.locator('.api-keys__label', { hasText: 'CI pipeline' }).waitFor({ state: 'detached' });
    assert.equal((await box.api('/api/me', { key: secret })).status, 401, 'the revoked key is refused');
    assert.equal((await box.api('/api/me', { key: carolKey })).status, 200, 'the key in use still works');
    await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  });

  test('the account page links to the webhooks, lists the private addresses, reserves and releases one', async () => {
    await page.getByRole('region', { name: 'Webhooks' }).getByRole('link', { name: 'manage your webhooks' }).waitFor();
    const owned = page.getByRole('region', { name: 'Your addresses and domains' });
    await owned.getByRole('link', { name: FIRST }).waitFor();
    await owned.getByRole('link', { name: SECOND }).waitFor();

    // Reserve one more, then release it: the account's addresses on the API follow.
    const ownedAddresses = async () => ((await (await box.api('/api/me/stats', { key: carolKey })).json()) as { addresses: string[] }).addresses;
    await owned.getByLabel('Reserve a private address').fill('not an address');
    await owned.getByRole('button', { name: 'Reserve' }).click();
    assert.match(await owned.getByRole('alert').innerText(), /whole address/);
    await owned.getByLabel('Reserve a private address').fill(NEW_ADDRESS);
    await owned.getByRole('button', { name: 'Reserve' }).click();
    await owned.getByRole('link', { name: NEW_ADDRESS }).waitFor();
    assert.ok((await ownedAddresses()).includes(NEW_ADDRESS), 'reserved through the API');
    await owned.getByRole('button', { name: `Release ${NEW_ADDRESS}` }).click();
    await page.getByRole('dialog', { name: 'Release this address?' }).getByRole('button', { name: 'Release' }).click();
    await owned.getByRole('link', { name: NEW_ADDRESS }).waitFor({ state: 'detached' });
    assert.ok(!(await ownedAddresses()).includes(NEW_ADDRESS), 'released through the API');
  });

  test('search across the account: both private addresses, not a stranger’s mail, live', async () => {
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Search' }).click();
    await page.getByRole('heading', { level: 1, name: 'Search your mail' }).waitFor();
    await page.getByLabel('Search all your mail').fill('subject:"monthly report"');
    await page.getByText(/2 messages match/).waitFor();
    const rows = await page.locator('.message-row').allInnerTexts();
    assert.ok(rows.some((row) => row.includes(FIRST)) && rows.some((row) => row.includes(SECOND)), `each row names its inbox: ${rows.join(' | ')}`);
    assert.ok(!rows.some((row) => row.includes('not carol')), 'only the account’s mail');

    await send(SECOND, 'Monthly report: late');
    await page.locator('.message-row', { hasText: 'Monthly report: late' }).waitFor({ timeout: 5000 });
    await page.getByText(/3 messages match/).waitFor();
    await page.screenshot({ path: screenshotPath('search-account-desktop') });
    await accessibility('the account search');

    // The list's keys work here too: Delete takes the focused result away (and out of the store).
    const doomed = page.locator('.message-row', { hasText: 'Monthly report: late' });
    const doomedId = (await doomed.getAttribute('data-message-id'))!;
    await page.locator('h1').focus();
    await page.keyboard.press('j');
    await page.keyboard.press('Delete');
    await doomed.waitFor({ state: 'detached' });
    await page.getByText(/2 messages match/).waitFor();
    assert.equal((await box.api(`/api/addresses/${SECOND}/messages/${doomedId}`, { key: carolKey })).status, 404);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.equal(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'), 0);
    await page.screenshot({ path: screenshotPath('search-account-dark-phone') });
    await page.goto(`${box.baseUrl}/account`);
    await page.getByRole('region', { name: 'API keys' }).locator('.api-keys__label', { hasText: 'initial' }).waitFor();
    assert.equal(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'), 0);
    await page.screenshot({ path: screenshotPath('account-dark-phone'), fullPage: true });
    await accessibility('the account page, dark, phone');
    await page.goto(`${box.baseUrl}/webhooks`);
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await accessibility('the webhooks page, dark, phone');
    await page.goto(`${box.baseUrl}/`);
    await page.getByRole('heading', { level: 1, name: 'Check the mail' }).waitFor();
    await accessibility('the home page, dark, phone');
    assert.deepEqual(appErrors, []);
  });
});
