// A Playwright fixture for Capturebox: `mailbox` is a fresh inbox address of the test's own, with the
// cursor taken before the test body runs, so `mailbox.waitForCode()` / `waitForLink()` find the mail
// the test's actions caused and nothing older. `capturebox` is the client, for anything else.
import { randomBytes } from 'node:crypto';
import { test as base, expect } from '@playwright/test';
import { CaptureboxClient, type EmailMessage, type WaitConditions } from '@capturebox/client';

/** Where Capturebox is: `test.use({ ... })` or the environment (CAPTUREBOX_URL, CAPTUREBOX_API_KEY, CAPTUREBOX_DOMAIN). */
export interface CaptureboxOptions {
  captureboxUrl: string;
  captureboxApiKey: string | undefined;
  /** The domain of each test's address; any domain works, a public inbox is readable without a key. */
  captureboxDomain: string;
}

type MailboxConditions = Omit<WaitConditions, 'to' | 'after'>;

export interface Mailbox {
  /** This test's own address: type it into your sign-up form. */
  readonly address: string;
  /** The cursor taken before the test ran: waits look only at mail stored after it. */
  readonly after: string;
  waitForMessage(conditions?: MailboxConditions): Promise<EmailMessage>;
  waitForCode(conditions?: MailboxConditions & { pattern?: string; flags?: string }): Promise<string>;
  waitForLink(conditions?: MailboxConditions & { matching?: string | RegExp }): Promise<string>;
}

export interface CaptureboxFixtures {
  capturebox: CaptureboxClient;
  mailbox: Mailbox;
}

export const test = base.extend<CaptureboxFixtures & CaptureboxOptions>({
  captureboxUrl: [process.env.CAPTUREBOX_URL ?? 'http://localhost:8080', { option: true }],
  captureboxApiKey: [process.env.CAPTUREBOX_API_KEY, { option: true }],
  captureboxDomain: [process.env.CAPTUREBOX_DOMAIN ?? 'capturebox.test', { option: true }],
  capturebox: async ({ captureboxUrl, captureboxApiKey }, use) => {
    await use(new CaptureboxClient({ baseUrl: captureboxUrl, apiKey: captureboxApiKey }));
  },
  mailbox: async ({ capturebox, captureboxDomain }, use, testInfo) => {
    const address = `${localPartOf(testInfo.title)}-${randomBytes(4).toString('hex')}@${captureboxDomain}`;
    const after = await capturebox.cursor();
    // Always this test's address and cursor; the wait's own conditions and timeout otherwise.
    const scoped = <T extends MailboxConditions>(conditions: T) => ({ timeoutSeconds: waitBudget(testInfo.timeout), ...conditions, to: address, after });
    await use({
      address,
      after,
      waitForMessage: (conditions = {}) => capturebox.waitForMessage(scoped(conditions)),
      waitForCode: (conditions = {}) => capturebox.waitForCode(scoped(conditions)),
      waitForLink: (conditions = {}) => capturebox.waitForLink(scoped(conditions)),
    });
  },
});

export { expect };

/** The test's title as the readable part of its address: lower case letters, digits and dashes, at most 40. */
function localPartOf(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 40).replace(/^-+|-+$/g, '') || 'test';
}

/** A wait that gives up a little before the test's own timeout, so the failure names the missing mail. */
function waitBudget(testTimeoutMs: number): number {
  return testTimeoutMs > 0 ? Math.max(1, (testTimeoutMs - 2000) / 1000) : 30;
}
