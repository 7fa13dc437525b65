// The web UI for the people who check the mail, in Debian's Chromium against the built service: an empty
// inbox says how to send to it; the list shows how long ago each message came, grouped by day; search
// (with its help popover) narrows the inbox and stays live; a message shows its codes and links as copy
// buttons, its HTML in a frame as tall as the mail, at phone/tablet/desktop width, image attachments as
// thumbnails, link hosts and its delivery headers; labels and folders are shown, edited and filtered; the
// list works by keyboard. Screenshots at desktop, phone and dark (SCREENSHOT_DIR); axe-core finds no
// serious or critical violation on any of these views.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type { Page } from 'playwright-core';
import { seriousAccessibilityViolations } from './support/axe';
import { launchBrowser, screenshotPath, watchAppErrors, type TestBrowser } from './support/browser';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';

const INBOX = 'reader@capture.test';
const EMPTY = 'nothing-yet@capture.test';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const CODE = '482913';
const VERIFY_LINK = 'https://app.example.com/verify?t=abc';
const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const TALL_HTML = `<!doctype html><h1>Welcome</h1><p>Your code is <b>${CODE}</b>. <a href="${VERIFY_LINK}">Verify</a></p>${'<p style="margin:0;height:40px">A line of a long newsletter.</p>'.repeat(60)}<p id="last">The end.</p>`;

type Subjects = Record<'verify' | 'short' | 'photo' | 'signed', string>;
const SUBJECTS: Subjects = { verify: 'Verify your account', short: 'Short note', photo: 'Photo attached', signed: 'Signed mail' };

// Page-side expressions are strings: this workspace compiles without the DOM's types.
async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

/** The message's own document (the sandboxed frame), to measure from inside. */
function mailDocument(page: Page) {
  const frame = page.frames().find((candidate) => candidate.url().includes('/ui/render/'));
  assert.ok(frame, 'the message frame is there');
  return frame;
}

/** Polls a page-side expression until it is true (waitForFunction compiles its predicate with eval, which the app's CSP refuses). */
async function until(page: Page, expression: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function frameHeight(page: Page): Promise<number> {
  return page.evaluate(`document.querySelector('iframe.html-frame').getBoundingClientRect().height`);
}

describe('web UI: reading, searching and organizing mail', () => {
  let box: CaptureboxProcess;
  let browser: TestBrowser;
  let page: Page;
  let appErrors: string[];
  let transport: Transporter;
  const ids = {} as Subjects;

  const send = (options: SendMailOptions) => transport.sendMail({ from: 'Sender <sender@example.com>', to: INBOX, ...options });
  const messagePath = (which: keyof Subjects) => `${box.baseUrl}/inbox/${INBOX}/${ids[which]}`;
  const accessibility = async (view: string) => assert.deepEqual(await seriousAccessibilityViolations(page), [], `axe on ${view}`);

  before(async () => {
    box = await CaptureboxProcess.start();
    transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false } });
    await send({ subject: SUBJECTS.verify, text: `Your verification code is ${CODE}. Open ${VERIFY_LINK}`, html: TALL_HTML });
    await send({ subject: SUBJECTS.short, text: 'Just one line.', html: '<p style="margin:0">Just one line.</p>' });
    await send({ subject: SUBJECTS.photo, text: 'See the photo.', attachments: [{ filename: 'pixel.png', content: PNG_1X1, contentType: 'image/png' }, { filename: 'notes.txt', content: 'notes' }] });
    await send({
      subject: SUBJECTS.signed,
      text: 'Signed.',
      headers: {
        'Authentication-Results': 'mx.example.com; spf=pass smtp.mailfrom=example.com; dkim=fail header.d=example.com; dmarc=pass',
        Received: 'from relay.example.net (relay.example.net [192.0.2.7]) by mx.example.com with ESMTPS; Tue, 1 Dec 2026 10:00:00 +0000',
      },
    });
    const list = (await (await box.api(`/api/addresses/${INBOX}/messages`)).json()) as Array<{ _id: string; subject: string }>;
    for (const [which, subject] of Object.entries(SUBJECTS)) ids[which as keyof Subjects] = list.find((message) => message.subject === subject)!._id;
    browser = await launchBrowser({ viewport: DESKTOP });
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: box.baseUrl });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    appErrors = watchAppErrors(page);
  });
  after(async () => {
    transport?.close();
    await browser?.close();
    await box?.dispose();
  });

  test('an empty inbox says how to send to it: this host, this SMTP port, a swaks line to copy', async () => {
    await page.goto(`${box.baseUrl}/inbox/${EMPTY}`);
    await page.getByText('No mail here yet').waitFor();
    const command = page.getByLabel('A swaks command that sends a test message here');
    await command.waitFor();
    const line = await command.innerText();
    assert.match(line, new RegExp(`^swaks --server 127\\.0\\.0\\.1 --port ${box.smtpPort} --to ${EMPTY.replace('.', '\\.')} `));
    assert.match(line, /--tls --auth-user admin --auth-password/, 'SMTP AUTH is required by default, so the line signs in');
    await page.getByRole('button', { name: /Copy command/ }).click();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), line);
    await page.screenshot({ path: screenshotPath('inbox-empty-desktop') });
    await accessibility('the empty inbox');
  });

  test('rows say how long ago each message came (the full date on hover), grouped by day', async () => {
    // A browser of its own: a page's fake clock is its whole context's. Its time zone puts the messages at
    // about noon, so "five minutes on" is still today and "a day on" is tomorrow whenever the test runs.
    const other = await launchBrowser({ viewport: DESKTOP, timezoneId: zoneWhereItIsNoon(new Date()) });
    const later = other.context.pages()[0] ?? (await other.context.newPage());
    try {
      // Five minutes on: every row reads "5 min ago" under "Today"; a day on, they are "Yesterday".
      await later.clock.setFixedTime(new Date(Date.now() + 5 * 60_000 + 10_000));
      await later.goto(`${box.baseUrl}/inbox/${INBOX}`);
      await later.locator('.message-row').nth(3).waitFor();
      const times = await later.locator('.message-row__time').allInnerTexts();
      assert.deepEqual(new Set(times), new Set(['5 min ago']), `relative times: ${times.join(', ')}`);
      const title = (await later.locator('.message-row__time').first().getAttribute('title')) ?? '';
      assert.match(title, /\d{4}/, `the full date on hover: ${title}`);
      assert.equal(await later.locator('.day-group').count(), 1, 'one day, one group');
      assert.equal(await later.locator('.day-group').first().getAttribute('aria-label'), 'Today');

      await later.clock.setFixedTime(new Date(Date.now() + 26 * 3600_000));
      await later.reload();
      await later.locator('.message-row').first().waitFor();
      assert.equal(await later.locator('.day-group').first().getAttribute('aria-label'), 'Yesterday');
      assert.doesNotMatch(await later.locator('.message-row__time').first().innerText(), /ago/);
    } finally {
      await other.close();
    }
  });

  test('search narrows the inbox as you type, explains its operators, says what it cannot read, and stays live', async () => {
    await page.goto(`${box.baseUrl}/inbox/${INBOX}`);
    await page.locator('.message-row').nth(3).waitFor();
    await page.keyboard.press('/');
    assert.ok(await page.evaluate(`document.activeElement?.id === 'search-input'`), '`/` goes to the search field');

    await page.getByRole('button', { name: 'Search help' }).click();
    const help = page.getByRole('dialog', { name: 'Search operators' });
    await help.waitFor();
    for (const operator of ['from:', 'to:', 'subject:', 'label:', 'is:starred', 'has:attachment', 'after:', 'larger:', '-from:']) assert.match(await help.innerText(), new RegExp(operator));
    await page.screenshot({ path: screenshotPath('inbox-search-help-desktop') });
    await accessibility('the search help');
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });

    await page.getByLabel('Search this inbox').fill('has:attachment');
    await page.getByText('1 message match').waitFor();
    assert.deepEqual(await page.locator('.message-row__subject').allInnerTexts(), [SUBJECTS.photo]);
    assert.equal(new URL(page.url()).searchParams.get('q'), 'has:attachment', 'the search is in the address');

    await page.getByLabel('Search this inbox').fill('is:important');
    assert.match(await page.locator('#search-problem').innerText(), /is:/);

    // Live: while the search is open, a new message that matches shows up by itself; one that does not, does not.
    await page.getByLabel('Search this inbox').fill('subject:arrives');
    await page.getByText(/No message matches/).waitFor();
    await send({ subject: 'Something else', text: 'x' });
    await send({ subject: 'This one arrives live', text: 'x' });
    await page.locator('.message-row', { hasText: 'This one arrives live' }).waitFor({ timeout: 5000 });
    assert.deepEqual(await page.locator('.message-row__subject').allInnerTexts(), ['This one arrives live']);
    await page.getByLabel('Search this inbox').fill('');
    await page.locator('.message-row', { hasText: 'Something else' }).waitFor();
  });

  test('a message shows its codes and links up front as copy buttons', async () => {
    await page.goto(messagePath('verify'));
    const codes = page.getByRole('region', { name: 'Codes and links to copy' });
    await codes.getByRole('button', { name: `Copy code ${CODE}` }).click();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), CODE);
    await codes.getByText(/Copied/).waitFor();
    await codes.getByRole('button', { name: `Copy link ${VERIFY_LINK}` }).click();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), VERIFY_LINK);
    assert.match(await codes.innerText(), /app\.example\.com/, 'a link button names its host');
    await page.screenshot({ path: screenshotPath('message-codes-desktop') });
    await accessibility('a message with codes');
  });

  test('the HTML frame is as tall as the mail, long or short, and previews at phone, tablet and desktop width', async () => {
    await page.goto(messagePath('verify'));
    await page.frameLocator('iframe.html-frame').locator('#last').waitFor();
    await until(page, `document.querySelector('iframe.html-frame').getBoundingClientRect().height > 1000`).catch(() => undefined);
    const tall = await frameHeight(page);
    const content = (await mailDocument(page).evaluate('document.documentElement.getBoundingClientRect().height')) as number;
    assert.ok(tall > 2000 && Math.abs(tall - 2 - content) <= 1, `the long mail's frame (${tall}px) is its content's height (${content}px), no scroll box`);
    const inside = (await mailDocument(page).evaluate('[document.documentElement.scrollHeight, document.documentElement.clientHeight]')) as number[];
    assert.ok(inside[0] <= inside[1] + 1, `nothing scrolls inside the frame: scrollHeight ${inside[0]}, clientHeight ${inside[1]}`);

    await page.getByRole('button', { name: /^Phone/ }).click();
    await until(page, `document.querySelector('iframe.html-frame').getBoundingClientRect().width <= 380`);
    assert.equal(await mailDocument(page).evaluate('innerWidth'), 375 - 2, 'the mail is laid out at phone width (375 px less the border)');
    assert.equal(await page.getByRole('button', { name: /^Phone/ }).getAttribute('aria-pressed'), 'true');
    await page.screenshot({ path: screenshotPath('message-preview-phone-width'), fullPage: true });
    await page.getByRole('button', { name: /^Tablet/ }).click();
    await until(page, `Math.round(document.querySelector('iframe.html-frame').getBoundingClientRect().width) === 768`);
    await page.getByRole('button', { name: /^Desktop/ }).click();
    await until(page, `document.querySelector('iframe.html-frame').getBoundingClientRect().width > 900`);

    await page.goto(messagePath('short'));
    await page.frameLocator('iframe.html-frame').getByText('Just one line.').waitFor();
    await until(page, `document.querySelector('iframe.html-frame').getBoundingClientRect().height < 150`).catch(() => undefined);
    const short = await frameHeight(page);
    assert.ok(short < 150, `a one-line mail leaves no gap: its frame is ${short}px`);
  });

  test('attachments show image thumbnails; links are listed with their hosts; delivery headers are readable', async () => {
    await page.goto(messagePath('photo'));
    await page.getByRole('tab', { name: 'Attachments (2)' }).click();
    const thumbnail = page.getByRole('img', { name: 'Preview of pixel.png' });
    await thumbnail.waitFor();
    await until(page, `document.querySelector('img.thumbnail')?.naturalWidth === 1`);
    assert.equal(await page.locator('img.thumbnail').count(), 1, 'only the image gets a thumbnail');
    await accessibility('the attachments tab');

    await page.goto(messagePath('verify'));
    await page.getByRole('tab', { name: /^Links/ }).click();
    const item = page.locator('.link-list__item', { hasText: VERIFY_LINK });
    assert.equal(await item.locator('.host-mark').innerText(), 'app.example.com');
    assert.match(await page.locator('.tabs__panel').innerText(), /to 1 host/);

    await page.goto(messagePath('signed'));
    await page.getByRole('tab', { name: 'Headers' }).click();
    const facts = page.getByRole('region', { name: 'Delivery and authentication' });
    await facts.waitFor();
    assert.deepEqual(await facts.getByRole('list', { name: 'Authentication results' }).getByRole('listitem').allInnerTexts(), ['SPF pass', 'DKIM fail', 'DMARC pass']);
    assert.equal(await facts.locator('.verdict--fail').innerText(), 'DKIM fail');
    const hops = await facts.getByRole('list', { name: 'Received hops, oldest first' }).getByRole('listitem').allInnerTexts();
    assert.ok(hops.length >= 2, `our Received: and the one Capturebox added: ${hops.join(' | ')}`);
    assert.match(hops[0], /from relay\.example\.net .*by mx\.example\.com/s, 'the oldest hop first');
    await page.screenshot({ path: screenshotPath('message-headers-desktop') });
    await accessibility('the headers tab');
  });

  test('labels and folders: shown on rows and messages, edited on the message, filtered in the list', async () => {
    await page.goto(`${box.baseUrl}/account`);
    await page.getByLabel('API key').fill(ADMIN_API_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();

    await page.goto(messagePath('short'));
    await page.getByLabel('New label').fill('important');
    await page.getByRole('button', { name: 'Add label' }).click();
    await page.getByRole('list', { name: 'Labels' }).getByText('important').waitFor();
    await page.getByLabel('Folder', { exact: true }).selectOption('spam');
    await until(page, `document.querySelector('.label-editor__folder select').value === 'spam'`);
    const stored = (await (await box.api(`/api/addresses/${INBOX}/messages/${ids.short}`)).json()) as { labels: string[]; folder: string };
    assert.deepEqual({ labels: stored.labels, folder: stored.folder }, { labels: ['important'], folder: 'spam' }, 'saved through the API');
    await accessibility('the label editor');

    await page.goto(`${box.baseUrl}/inbox/${INBOX}`);
    const row = page.locator('.message-row', { hasText: SUBJECTS.short });
    assert.match(await row.locator('.message-tags').innerText(), /spam[\s\S]*important/);
    await page.getByRole('group', { name: 'Filter by label' }).getByRole('button', { name: 'important' }).click();
    await page.getByText('1 message match').waitFor();
    assert.equal(await page.getByLabel('Search this inbox').inputValue(), 'label:important');
    assert.deepEqual(await page.locator('.message-row__subject .message-tags').count(), 1);
    await page.getByRole('group', { name: 'Filter by label' }).getByRole('button', { name: 'important' }).click();
    await page.locator('.message-row').nth(3).waitFor();
    await page.locator('.list-filters').getByLabel('Folder', { exact: true }).selectOption('spam');
    assert.equal(await page.locator('.message-row').count(), 1, 'the folder filter shows only the spam message');
    await page.locator('.list-filters').getByLabel('Folder', { exact: true }).selectOption('any');
    await page.screenshot({ path: screenshotPath('inbox-labels-desktop') });

    // Removing the label takes it off the message and its row.
    await page.goto(messagePath('short'));
    await page.getByRole('button', { name: 'Remove label important' }).click();
    await page.getByText('No labels').waitFor();
  });

  test('keyboard: j/k move, s stars, Delete deletes, Enter opens', async () => {
    await page.goto(`${box.baseUrl}/inbox/${INBOX}`);
    await page.locator('.message-row').nth(3).waitFor();
    await page.locator('h1').focus();
    const focusedSubject = () => page.evaluate(`document.activeElement?.closest('.message-row')?.querySelector('.message-row__subject')?.innerText ?? null`);
    const subjects = await page.locator('.message-row__subject').allInnerTexts();
    await page.keyboard.press('j');
    assert.equal(await focusedSubject(), subjects[0]);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    assert.equal(await focusedSubject(), subjects[2]);
    await page.keyboard.press('k');
    assert.equal(await focusedSubject(), subjects[1]);

    const target = page.locator('.message-row').nth(1);
    const targetId = (await target.getAttribute('data-message-id'))!;
    await page.keyboard.press('s');
    await target.locator('.star-mark').waitFor();
    assert.equal(((await (await box.api(`/api/addresses/${INBOX}/messages/${targetId}`)).json()) as { savedBy: string | null }).savedBy !== null, true, 'starred through the API');
    await page.keyboard.press('s');
    await target.locator('.star-mark').waitFor({ state: 'detached' });

    const before = await page.locator('.message-row').count();
    await page.keyboard.press('Delete');
    await page.locator(`.message-row[data-message-id="${targetId}"]`).waitFor({ state: 'detached' });
    assert.equal(await page.locator('.message-row').count(), before - 1);
    assert.equal((await box.api(`/api/addresses/${INBOX}/messages/${targetId}`)).status, 404, 'deleted through the API');
    assert.ok(await focusedSubject(), 'the focus stays in the list');

    const opened = (await focusedSubject()) as string;
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: opened }).waitFor();
  });

  test('phone width and dark mode: inbox, search and message views (screenshots), nothing scrolls sideways', async () => {
    await page.setViewportSize(PHONE);
    await page.goto(`${box.baseUrl}/inbox/${INBOX}`);
    await page.locator('.message-row').nth(2).waitFor();
    assert.equal(await horizontalOverflow(page), 0, 'inbox');
    await page.screenshot({ path: screenshotPath('inbox-phone-grouped') });
    await page.getByRole('button', { name: 'Search help' }).click();
    assert.equal(await horizontalOverflow(page), 0, 'search help');
    await page.screenshot({ path: screenshotPath('inbox-search-help-phone') });
    await page.keyboard.press('Escape');
    await page.goto(messagePath('verify'));
    await page.getByRole('region', { name: 'Codes and links to copy' }).waitFor();
    await page.frameLocator('iframe.html-frame').locator('#last').waitFor();
    assert.equal(await horizontalOverflow(page), 0, 'message');
    await page.screenshot({ path: screenshotPath('message-codes-phone') });

    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: screenshotPath('message-codes-dark-phone') });
    await accessibility('a message, dark, phone');
    await page.setViewportSize(DESKTOP);
    await page.goto(`${box.baseUrl}/inbox/${INBOX}`);
    await page.locator('.message-row').nth(2).waitFor();
    await page.screenshot({ path: screenshotPath('inbox-dark-desktop') });
    await accessibility('the inbox, dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await accessibility('the inbox, light');
    assert.deepEqual(appErrors, []);
  });
});

/** A fixed-offset IANA zone (no daylight saving) where `at` falls in the hour after noon. */
function zoneWhereItIsNoon(at: Date): string {
  const hoursAhead = ((((12 - at.getUTCHours() + 11) % 24) + 24) % 24) - 11; // -11..12
  // The Etc/GMT names have the sign reversed: Etc/GMT-3 is three hours ahead of UTC.
  return hoursAhead === 0 ? 'Etc/GMT' : `Etc/GMT${hoursAhead > 0 ? '-' : '+'}${Math.abs(hoursAhead)}`;
}
