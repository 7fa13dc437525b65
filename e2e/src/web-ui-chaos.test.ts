// The admins' Chaos page in Debian's Chromium against the built service: a non-admin sees no Chaos link and
// gets the API's 403 as a clear message; an admin adds rules with the form of each kind (the API's 400 reasons
// shown next to the form), sees them listed as the API has them, deletes one; a refusal added in the UI makes a
// real nodemailer send fail with exactly that code and text, and "Turn chaos off" (after its confirm dialog)
// restores capture. axe-core finds no serious or critical violation; dark mode at phone width scrolls nothing
// sideways; screenshots desktop and dark phone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { seriousAccessibilityViolations } from './support/axe';
import { launchBrowser, screenshotPath, watchAppErrors, type TestBrowser } from './support/browser';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';

const TARGET = 'chaos-target@capture.test';
const REFUSAL = { code: 550, text: '5.1.1 No such user here (chaos from the UI)' };

interface Outcome {
  ok: boolean;
  code: number | null;
  response: string;
}

describe('web UI: chaos page', () => {
  let box: CaptureboxProcess;
  let browser: TestBrowser;
  let page: Page;
  let appErrors: string[];
  let danaKey: string;

  const send = async (): Promise<Outcome> => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false } });
    try {
      const info = await transport.sendMail({ from: 'app@chaos.test', to: TARGET, subject: 'chaos from the UI', text: 'hello' });
      return { ok: true, code: 250, response: info.response };
    } catch (error) {
      const { responseCode, response } = error as { responseCode?: number; response?: string };
      return { ok: false, code: responseCode ?? null, response: response ?? String(error) };
    } finally {
      transport.close();
    }
  };
  const stored = async () => ((await (await box.api(`/api/addresses/${TARGET}/message-count`)).json()) as { count: number }).count;
  const apiRules = async () => (await (await box.api('/api/admin/chaos')).json()) as { _id: string; rule: Record<string, unknown> }[];
  const accessibility = async (view: string) => assert.deepEqual(await seriousAccessibilityViolations(page), [], `axe on ${view}`);
  const signIn = async (key: string) => {
    await page.goto(`${box.baseUrl}/account`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  };
  const signOut = async () => {
    await page.goto(`${box.baseUrl}/account`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  };

  before(async () => {
    box = await CaptureboxProcess.start();
    const created = await box.api('/api/admin/accounts', { method: 'POST', body: JSON.stringify({ username: 'dana' }), headers: { 'Content-Type': 'application/json' } });
    danaKey = ((await created.json()) as { apiKey: string }).apiKey;
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    appErrors = watchAppErrors(page);
  });
  after(async () => {
    await browser?.close();
    await box?.dispose();
  });

  test('a non-admin sees no Chaos link, and the page renders the API’s 403 as a clear message', async () => {
    await signIn(danaKey);
    const nav = page.getByRole('navigation', { name: 'Account' });
    await nav.getByRole('link', { name: 'Webhooks' }).waitFor();
    assert.equal(await nav.getByRole('link', { name: 'Chaos' }).count(), 0, 'no Chaos link for a non-admin');
    await page.goto(`${box.baseUrl}/chaos`);
    const alert = page.getByRole('alert');
    await alert.getByText('An admin API key is required.').waitFor();
    assert.match(await alert.innerText(), /for admins only, and dana is not an admin/);
    assert.equal(await page.getByRole('button', { name: 'Add rule' }).count(), 0, 'no form for a non-admin');
    await accessibility('the chaos page refused');
    await signOut();
  });

  test('an admin adds a rule of each kind, sees the API’s 400 reasons, deletes one, as the API has them', async () => {
    await signIn(ADMIN_API_KEY);
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Chaos' }).click();
    await page.getByRole('heading', { level: 1, name: 'Chaos' }).waitFor();
    await page.getByText('No chaos rules').waitFor();
    assert.match(await page.locator('.chaos__note').innerText(), /spec\.chaos/);
    const form = page.getByRole('form', { name: 'Add a rule' });

    // Out of bounds and an unreachable scope: the API's reasons appear next to the form.
    await form.getByLabel('Kind').selectOption('refuse');
    await form.getByLabel('Stage').selectOption('mail');
    await form.getByLabel('Reply code').fill('700');
    await form.getByLabel('Reply text').fill('x');
    await form.getByRole('button', { name: 'Add rule' }).click();
    const problem = form.getByRole('alert');
    await problem.getByText('Invalid request body').waitFor();
    assert.match(await problem.innerText(), /code/, 'names the field');
    await form.getByLabel('Reply code').fill('550');
    await form.getByLabel('Applies to').selectOption('address');
    await form.getByLabel('Address').fill(TARGET);
    await form.getByRole('button', { name: 'Add rule' }).click();
    await problem.getByText(/from rcpt on/).waitFor();
    assert.equal((await apiRules()).length, 0, 'nothing was added');

    // A delay, a rate limit and a connection limit through their own fields.
    await form.getByLabel('Applies to').selectOption('instance');
    await form.getByLabel('Kind').selectOption('delay');
    await form.getByLabel('Stage').selectOption('data');
    await form.getByLabel('Delay (ms)').fill('10');
    await form.getByLabel('Times (optional)').fill('3');
    await form.getByRole('button', { name: 'Add rule' }).click();
    const table = page.locator('table.chaos-rules');
    await table.locator('tbody tr').first().waitFor();
    await form.getByLabel('Kind').selectOption('rate_limit');
    await form.getByLabel('Messages').fill('1000');
    await form.getByLabel('Per interval (ms)').fill('60000');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await form.getByLabel('Kind').selectOption('connection_limit');
    assert.equal(await form.getByLabel('Applies to').count(), 0, 'a connection limit is instance-wide only');
    await form.getByLabel('Open connections').fill('500');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await table.locator('tbody tr').nth(2).waitFor();

    const rows = await table.locator('tbody tr').allInnerTexts();
    assert.match(rows[0], /Delay\s+data\s+wait 10 ms\s+the whole instance\s+3 times/);
    assert.match(rows[1], /Rate limit\s+mail\s+421 past 1,000 messages per 60000 ms\s+the whole instance\s+until deleted/);
    assert.match(rows[2], /Connection limit\s+connect\s+421 past 500 open connections/);
    assert.deepEqual(
      (await apiRules()).map((entry) => entry.rule),
      [
        { kind: 'delay', stage: 'data', delayMs: 10, times: 3, probability: 1 },
        { kind: 'rate_limit', messages: 1000, intervalMs: 60000 },
        { kind: 'connection_limit', connections: 500 },
      ],
    );
    await page.screenshot({ path: screenshotPath('chaos-desktop'), fullPage: true });
    await accessibility('the chaos page with rules');

    await table.getByRole('button', { name: 'Delete rule 2' }).click();
    await table.locator('tbody tr').nth(2).waitFor({ state: 'detached' });
    assert.deepEqual((await apiRules()).map((entry) => entry.rule.kind), ['delay', 'connection_limit'], 'deleted on the API');
  });

  test('a refusal set in the UI fails a real nodemailer send exactly so; turning chaos off restores capture', async () => {
    const form = page.getByRole('form', { name: 'Add a rule' });
    await form.getByLabel('Kind').selectOption('refuse');
    await form.getByLabel('Stage').selectOption('rcpt');
    await form.getByLabel('Reply code').fill(String(REFUSAL.code));
    await form.getByLabel('Reply text').fill(REFUSAL.text);
    await form.getByLabel('Applies to').selectOption('address');
    await form.getByLabel('Address').fill(TARGET);
    await form.getByRole('button', { name: 'Add rule' }).click();
    await page.locator('table.chaos-rules tbody tr', { hasText: REFUSAL.text }).waitFor();
    assert.match(await page.locator('table.chaos-rules tbody tr', { hasText: REFUSAL.text }).innerText(), new RegExp(`address ${TARGET}\\s+until deleted`));

    const refused = await send();
    assert.deepEqual({ ok: refused.ok, code: refused.code }, { ok: false, code: REFUSAL.code }, refused.response);
    assert.equal(refused.response, `${REFUSAL.code} ${REFUSAL.text}`);
    assert.equal(await stored(), 0, 'nothing stored');

    const turnOff = page.locator('.chaos__header').getByRole('button', { name: 'Turn chaos off' });
    await turnOff.click();
    const dialog = page.getByRole('dialog', { name: 'Turn chaos off?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await apiRules()).length, 3, 'cancel keeps the rules');
    await turnOff.click();
    await dialog.getByRole('button', { name: 'Turn chaos off' }).click();
    await page.getByRole('status').filter({ hasText: 'Chaos is off: 3 rules deleted.' }).waitFor();
    await page.getByText('No chaos rules').waitFor();
    assert.deepEqual(await apiRules(), []);

    const captured = await send();
    assert.ok(captured.ok, captured.response);
    assert.equal(await stored(), 1, 'captured again');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await page.getByText('No chaos rules').waitFor();
    await page.getByRole('form', { name: 'Add a rule' }).getByLabel('Reply code').fill('421');
    await page.getByRole('form', { name: 'Add a rule' }).getByLabel('Reply text').fill('4.7.0 Try again later');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.locator('table.chaos-rules tbody tr').first().waitFor();
    await page.screenshot({ path: screenshotPath('chaos-dark-phone'), fullPage: true });
    assert.equal(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'), 0, 'nothing scrolls sideways on a phone');
    await accessibility('the chaos page, dark, phone');
    await box.api('/api/admin/chaos', { method: 'DELETE' });
    assert.deepEqual(appErrors, []);
  });
});
