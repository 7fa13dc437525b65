// An inbox of 100,000 messages: the inbox page must show its first page at once (it reads one page of
// the paged API, never the whole inbox). The time from navigation to the first rows on screen is measured
// in the browser and printed, not asserted: timings depend on the machine. So is a selective search's.
//
// The inbox is seeded before the service starts, through the service's own embedded store adapter (the
// compiled SqliteMessageStore and its test fixtures), into the data directory the service then opens.
// Real SMTP for 100,000 messages would take minutes on two cores and test nothing more here.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchBrowser, screenshotPath, watchAppErrors, type TestBrowser } from './support/browser';
import { CaptureboxProcess } from './support/capturebox-process';

type StoreModule = typeof import('../../apps/capture/dist-test/store');
type FixturesModule = typeof import('../../apps/capture/dist-test/store/testing');

const STORE_DIST = resolve(__dirname, '../../apps/capture/dist-test/store');
const INBOX = 'big@capture.test';
const TOTAL = 100_000;
/** Copies per saveCaptured call (one transaction, one fsync): message ids allow up to 4 digits of n. */
const BATCH = 10_000;
/** One message per second of history, so every message has its own received time. */
const OLDEST = Date.parse('2026-01-01T00:00:00Z');

function subjectOf(n: number): string {
  return `Bulk message ${String(n).padStart(6, '0')}`;
}

/** Messages 1..TOTAL, message n received n seconds after OLDEST: the newest is number TOTAL. */
async function seedBigInbox(dataDir: string): Promise<void> {
  const { SqliteMessageStore } = require(join(STORE_DIST, 'index.js')) as StoreModule;
  const { makeCapturedMail, makeCopies } = require(join(STORE_DIST, 'testing.js')) as FixturesModule;
  const store = new SqliteMessageStore({ file: join(dataDir, 'capturebox.sqlite') });
  await store.open();
  try {
    for (let first = 1; first <= TOTAL; first += BATCH) {
      const mail = makeCapturedMail({
        to: [{ address: INBOX, name: '' }],
        subject: 'Bulk message',
        from: [{ address: 'bulk-sender@example.com', name: 'Bulk Sender' }],
        attachments: [],
      });
      const recipients = Array.from({ length: BATCH }, () => INBOX);
      const copies = makeCopies(mail, recipients).map((copy, index) => {
        const n = first + index;
        return { ...copy, subject: subjectOf(n), received: new Date(OLDEST + n * 1000) };
      });
      await store.saveCaptured(mail, copies);
    }
  } finally {
    await store.close();
  }
}

describe('web UI: an inbox of 100,000 messages', () => {
  let dataDir: string;
  let box: CaptureboxProcess;
  let browser: TestBrowser;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'capturebox-e2e-big-'));
    const seedStart = Date.now();
    await seedBigInbox(dataDir);
    console.log(`seeded ${TOTAL} messages in ${Date.now() - seedStart} ms`);
    box = await CaptureboxProcess.start({ dataDir });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await box?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the first page shows the newest messages at once, and older pages load on demand', async (t) => {
    const count = (await (await box.api(`/api/addresses/${INBOX}/message-count`)).json()) as { count: number };
    assert.equal(count.count, TOTAL);

    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const appErrors = watchAppErrors(page);
    // Warm the browser's cache of the app's own assets, as a returning visitor would have it.
    await page.goto(`${box.baseUrl}/`);

    const started = Date.now();
    await page.goto(`${box.baseUrl}/inbox/${INBOX}`);
    await page.locator('.message-row').first().waitFor();
    const wallMs = Date.now() - started;
    const markMs = await page.evaluate(() => performance.getEntriesByName('capturebox:inbox-first-page')[0]?.startTime ?? -1);
    const figure = `100,000-message inbox: first page of rows visible ${Math.round(markMs)} ms after navigation start (browser mark), ${wallMs} ms wall clock from goto`;
    console.log(figure);
    t.diagnostic(figure);

    const rows = page.locator('.message-row');
    assert.equal(await rows.count(), 50, 'one page, not the whole inbox');
    assert.match(await rows.first().innerText(), new RegExp(subjectOf(TOTAL)));
    assert.match(await rows.nth(49).innerText(), new RegExp(subjectOf(TOTAL - 49)));
    assert.match(await page.locator('.inbox__summary').innerText(), /100,000 messages/);
    await page.screenshot({ path: screenshotPath('inbox-100k-desktop') });

    await page.getByRole('button', { name: 'Load older messages' }).click();
    await page.locator('.message-row', { hasText: subjectOf(TOTAL - 99) }).waitFor();
    assert.equal(await rows.count(), 100);
    assert.match(await rows.nth(50).innerText(), new RegExp(subjectOf(TOTAL - 50)), 'the next page continues exactly where the first ended');
    assert.deepEqual(appErrors, []);
  });

  test('a selective search finds its one message at once, opened from the address or typed', async (t) => {
    const page = browser.context.pages()[0];
    const appErrors = watchAppErrors(page);
    const wanted = subjectOf(TOTAL - 1234);
    // The seeded copies share their mail's words ("Bulk message"), so the number is found by subject.
    const term = `subject:${wanted.split(' ')[2]}`;

    const started = Date.now();
    await page.goto(`${box.baseUrl}/inbox/${INBOX}?q=${term}`);
    await page.getByText('1 message match').waitFor();
    const wallMs = Date.now() - started;
    const markMs = await page.evaluate(() => performance.getEntriesByName('capturebox:inbox-search-results')[0]?.startTime ?? -1);
    assert.deepEqual(await page.locator('.message-row__subject').allInnerTexts(), [wanted]);

    // Typed: from the last keystroke to the results on screen (this includes the 200 ms pause the field
    // waits for typing to stop).
    const other = subjectOf(77);
    const typedAt = await page.evaluate(() => performance.now());
    await page.getByLabel('Search this inbox').fill(`subject:${other.split(' ')[2]}`);
    await page.locator('.message-row__subject', { hasText: other }).waitFor();
    const typedMs = (await page.evaluate(() => performance.getEntriesByName('capturebox:inbox-search-results').at(-1)?.startTime ?? -1)) - typedAt;
    const figure = `100,000-message inbox: a one-message search shown ${Math.round(markMs)} ms after navigation start (browser mark; ${wallMs} ms wall clock from goto), a typed one ${Math.round(typedMs)} ms after the keystroke (with the 200 ms typing pause)`;
    console.log(figure);
    t.diagnostic(figure);
    await page.screenshot({ path: screenshotPath('inbox-100k-search-desktop') });
    assert.deepEqual(appErrors, []);
  });
});
