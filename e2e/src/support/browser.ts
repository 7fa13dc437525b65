// Debian's Chromium (/usr/bin/chromium, installed by scripts/ensure-test-tools.sh), driven by
// playwright-core: no browser is ever downloaded. Each launch gets a fresh profile directory, removed on
// close. The flags keep Chromium off the network (this machine has none beyond loopback) and quiet.
import { chromium, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the browser tests write screenshots: under e2e/dist, which git ignores; CAPTUREBOX_SCREENSHOT_DIR overrides. */
export const SCREENSHOT_DIR = process.env.CAPTUREBOX_SCREENSHOT_DIR || resolve(__dirname, '../screenshots');

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(options: BrowserContextOptions = {}): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'capturebox-chromium-'));
  const downloads = join(profile, 'downloads');
  mkdirSync(downloads);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    acceptDownloads: true,
    downloadsPath: downloads,
    viewport: { width: 1280, height: 800 },
    ...options,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, `${name}.png`);
}

/**
 * Console errors that Content-Security-Policy reports against the app's own pages (not the sandboxed
 * message frame, whose blocked scripts and images are the point), plus uncaught exceptions in the app.
 */
export function watchAppErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const where = message.location().url;
    if (/Content Security Policy/i.test(message.text()) && !where.includes('/ui/render/')) errors.push(`${message.text()} (${where})`);
  });
  return errors;
}
