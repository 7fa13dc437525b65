// The web UI on a 390 px phone screen and in dark mode, and by keyboard alone. Writes the screenshots of
// the home, inbox and message views at desktop and phone width (see SCREENSHOT_DIR in support/browser.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshotPath, watchAppErrors, type TestBrowser } from './support/browser';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';

const INBOX = 'layout@capture.test';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

// Page-side expressions are strings: this workspace compiles without the DOM's types.
async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

async function backgroundOf(page: Page): Promise<string> {
  return page.evaluate('getComputedStyle(document.body).backgroundColor');
}

async function focusedMatches(page: Page, selector: string): Promise<boolean> {
  return page.evaluate(`document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`);
}

/** Relative luminance (0 black .. 1 white) of an `rgb(r, g, b)` colour. */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number).map((channel) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

describe('web UI: phone width, dark mode, keyboard', () => {
  let box: CaptureboxProcess;
  let browser: TestBrowser;
  let page: Page;
  let appErrors: string[];
  let messagePath: string;

  before(async () => {
    box = await CaptureboxProcess.start();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false } });
    const longWord = 'x'.repeat(120);
    await transport.sendMail({ from: 'Weekly Digest <digest@example.com>', to: INBOX, subject: 'Your weekly digest', text: 'Digest', html: '<h1>Digest</h1><p>Short news.</p>' });
    await transport.sendMail({
      from: `"${longWord}" <${"s".repeat(60)}@${"d".repeat(60)}.example.com>`,
      to: INBOX,
      subject: `A subject long enough to wrap several times on a phone screen ${longWord}`,
      text: `Body ${longWord}`,
      html: `<table width="800"><tr><td>Wide newsletter layout ${longWord}</td></tr></table>`,
      headers: { 'X-Long-Header': longWord.repeat(3) },
      attachments: [{ filename: `${longWord}.pdf`, content: Buffer.from('%PDF-1.4') }],
    });
    await transport.sendMail({ from: 'Alerts <alerts@example.com>', to: INBOX, subject: 'Password reset', html: '<p>Reset your <a href="https://example.com/reset">password</a>.</p>', text: 'Reset' });
    transport.close();
    const list = (await (await box.api(`/api/addresses/${INBOX}/messages`)).json()) as Array<{ _id: string; subject: string }>;
    messagePath = `/inbox/${INBOX}/${list.find((message) => message.subject.startsWith('A subject long'))!._id}`;
    browser = await launchBrowser({ viewport: DESKTOP });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    appErrors = watchAppErrors(page);
  });
  after(async () => {
    await browser?.close();
    await box.dispose();
  });

  test('desktop: home, inbox and message views (screenshots)', async () => {
    await page.setViewportSize(DESKTOP);
    await page.goto(`${box.baseUrl}/`);
    await page.getByRole('heading', { level: 1, name: 'Check the mail' }).waitFor();
    await page.screenshot({ path: screenshotPath('home-desktop') });
    await page.goto(`${box.baseUrl}/inbox/${INBOX}`);
    await page.locator('.message-row').nth(2).waitFor();
    await page.screenshot({ path: screenshotPath('inbox-desktop-3') });
    await page.goto(`${box.baseUrl}${messagePath}`);
    await page.frameLocator('iframe.html-frame').locator('td').waitFor();
    await page.screenshot({ path: screenshotPath('message-desktop-long') });
    assert.equal(await horizontalOverflow(page), 0);
  });

  test('at 390 px nothing scrolls sideways: home, inbox, message and its tabs', async () => {
    await page.setViewportSize(PHONE);
    await page.goto(`${box.baseUrl}/`);
    await page.getByRole('heading', { level: 1, name: 'Check the mail' }).waitFor();
    assert.equal(await horizontalOverflow(page), 0, 'home');
    await page.screenshot({ path: screenshotPath('home-phone') });

    await page.goto(`${box.baseUrl}/inbox/${INBOX}`);
    await page.locator('.message-row').nth(2).waitFor();
    assert.equal(await horizontalOverflow(page), 0, 'inbox');
    assert.ok(await page.evaluate('document.documentElement.scrollWidth <= 390'));
    await page.screenshot({ path: screenshotPath('inbox-phone') });

    await page.goto(`${box.baseUrl}${messagePath}`);
    await page.frameLocator('iframe.html-frame').locator('td').waitFor();
    assert.equal(await horizontalOverflow(page), 0, 'message, HTML tab');
    await page.screenshot({ path: screenshotPath('message-phone') });
    for (const tab of ['Text', 'Source', 'Headers', 'Attachments (1)', 'Links (0)']) {
      await page.getByRole('tab', { name: tab }).click();
      await page.locator('.tabs__panel').waitFor();
      await page.waitForLoadState('networkidle');
      assert.equal(await horizontalOverflow(page), 0, `message, ${tab} tab`);
    }
    await page.getByRole('tab', { name: 'Headers' }).click();
    await page.locator('.headers-table').waitFor();
    await page.screenshot({ path: screenshotPath('message-headers-phone') });
  });

  test('dark mode follows prefers-color-scheme', async () => {
    await page.setViewportSize(DESKTOP);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(`${box.baseUrl}/inbox/${INBOX}`);
    await page.locator('.message-row').first().waitFor();
    const light = await backgroundOf(page);
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await backgroundOf(page);
    assert.notEqual(dark, light);
    assert.ok(luminance(light) > 0.8, `light background ${light}`);
    assert.ok(luminance(dark) < 0.05, `dark background ${dark}`);
    await page.screenshot({ path: screenshotPath('inbox-dark') });
    await page.goto(`${box.baseUrl}${messagePath}`);
    await page.frameLocator('iframe.html-frame').locator('td').waitFor();
    await page.screenshot({ path: screenshotPath('message-dark') });
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: screenshotPath('message-dark-phone') });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('keyboard only: type an address, open the inbox, open a message, switch tabs', async () => {
    await page.setViewportSize(DESKTOP);
    await page.goto(`${box.baseUrl}/`);
    await page.getByRole('heading', { level: 1, name: 'Check the mail' }).waitFor();
    const focusedIs = (selector: string) => focusedMatches(page, selector);

    await page.keyboard.press('Tab');
    assert.ok(await focusedIs('.skip-link'), 'the skip link comes first');
    for (let presses = 0; presses < 6 && !(await focusedIs('#address')); presses++) await page.keyboard.press('Tab');
    assert.ok(await focusedIs('#address'), 'the address field is reachable by Tab');
    const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
    assert.notEqual(outline, 'none', 'focus is visible');
    await page.keyboard.type(INBOX);
    await page.keyboard.press('Enter');
    await page.locator('.message-row').first().waitFor();

    for (let presses = 0; presses < 15 && !(await focusedIs('.message-row__link')); presses++) await page.keyboard.press('Tab');
    assert.ok(await focusedIs('.message-row__link'), 'message rows are reachable by Tab');
    await page.keyboard.press('Enter');
    await page.locator('[role="tab"][aria-selected="true"]').waitFor();
    // The view moves focus once it has rendered, a frame or so after its tabs appear: wait for it (bounded).
    await page.waitForFunction(`document.activeElement?.matches('h1') ?? false`, undefined, { timeout: 5000 }).catch(() => undefined);
    assert.ok(await focusedIs('h1'), 'the new page heading takes the focus');

    await page.locator('[role="tab"][aria-selected="true"]').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.locator('[role="tab"][aria-selected="true"]').innerText(), 'Text');
    assert.ok(await focusedIs('#tab-text'));
    assert.deepEqual(appErrors, []);
  });
});
