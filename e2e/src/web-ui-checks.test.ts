// The message page's Checks tab in Debian's Chromium against the built service, with Debian's real spamd and a
// local HTTP server for links (CAPTUREBOX_LINK_CHECK_HOSTS=127.0.0.1): a GTUBE message shows its score, the
// threshold and the rules that fired, and a spam badge on its row and heading; a message too big for spamd
// says "Not scored" and has no badge; the HTML check lists each feature some clients lack with those clients
// and their count, as the API says; "Check links" shows 200, 404, a redirect and a host the allowlist refuses.
// axe-core finds no serious or critical violation on the tab; screenshots desktop and dark phone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { seriousAccessibilityViolations } from './support/axe';
import { launchBrowser, screenshotPath, watchAppErrors, type TestBrowser } from './support/browser';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess, eventually } from './support/capturebox-process';
import { SpamdServer } from './support/spamd-server';

const INBOX = 'checked@capture.test';
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
const FLEX_HTML = '<div style="display:flex"><svg width="10" height="10"></svg><p>Claim your prize</p></div>';

interface HtmlCheck {
  issues: { feature: string; support: string; clients: string[] }[];
}

describe('web UI: message checks (spam, HTML, links)', () => {
  let spamd: SpamdServer;
  let box: CaptureboxProcess;
  let links: Server;
  let base: string;
  let browser: TestBrowser;
  let page: Page;
  let appErrors: string[];
  const ids = { spammy: '', big: '' };

  const send = async (mail: { subject: string; text: string; html?: string }): Promise<string> => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false } });
    try {
      const info = await transport.sendMail({ from: 'prizes@checks.test', to: INBOX, ...mail });
      return `${/queued as (\S+)$/.exec(info.response)![1]}-0`;
    } finally {
      transport.close();
    }
  };
  const accessibility = async (view: string) => assert.deepEqual(await seriousAccessibilityViolations(page), [], `axe on ${view}`);

  before(async () => {
    links = createServer((request, response) => {
      if (request.url === '/ok') response.writeHead(200).end('ok');
      else if (request.url === '/moved') response.writeHead(302, { Location: '/ok' }).end();
      else response.writeHead(404).end('missing');
    });
    await new Promise<void>((resolve) => links.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(links.address() as AddressInfo).port}`;
    spamd = await SpamdServer.start();
    box = await CaptureboxProcess.start({ env: { CAPTUREBOX_SPAMD_URL: spamd.url, CAPTUREBOX_LINK_CHECK_HOSTS: '127.0.0.1' } });
    const anchors = ['/ok', '/missing', '/moved'].map((path) => `<a href="${base}${path}">${path}</a>`).join(' ') + ' <a href="http://elsewhere.invalid/page">away</a>';
    ids.spammy = await send({ subject: 'You won a prize', text: `Claim now.\n${GTUBE}\n`, html: `${FLEX_HTML}<p>${anchors}</p><p>${GTUBE}</p>` });
    // Over spamd's 500 KiB: never scored, whatever spamd does.
    ids.big = await send({ subject: 'A long report', text: 'Quarterly figures, line by line.\n'.repeat(20_000) });
    await eventually(async () => {
      const check = (await (await box.api(`/api/addresses/${INBOX}/messages/${ids.spammy}/checks/spam`)).json()) as { scored: boolean };
      return check.scored || undefined;
    }, 30_000);
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    appErrors = watchAppErrors(page);
  });
  after(async () => {
    await browser?.close();
    await box?.dispose();
    await spamd?.stop();
    await new Promise((resolve) => links?.close(resolve));
  });

  test('a scored message has a spam badge on its row and heading; an unscored one has none', async () => {
    await page.goto(`${box.baseUrl}/inbox/${INBOX}`);
    const spammyRow = page.locator(`.message-row[data-message-id="${ids.spammy}"]`);
    await spammyRow.waitFor();
    assert.match(await spammyRow.locator('.spam-badge').innerText(), /spam\s+1\.00/);
    assert.equal(await spammyRow.locator('.spam-badge--high').count(), 1, 'past the threshold: marked high');
    assert.equal(await page.locator(`.message-row[data-message-id="${ids.big}"] .spam-badge`).count(), 0, 'not scored: no badge, not a made-up 0');

    await spammyRow.getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'You won a prize' }).waitFor();
    assert.match(await page.locator('.message__header .spam-badge').innerText(), /1\.00/);
  });

  test('the Checks tab: score, threshold and rules; HTML features by client, as the API says; links on request', async () => {
    await page.goto(`${box.baseUrl}/inbox/${INBOX}/${ids.spammy}`);
    await page.getByRole('tab', { name: 'Checks' }).click();
    const spam = page.getByRole('region', { name: 'Spam score' });
    await spam.locator('.spam-score').waitFor();
    assert.ok(Number(await spam.locator('.spam-score').innerText()) >= 900, 'GTUBE scores 1000');
    assert.match(await spam.innerText(), /Required\s+5/);
    assert.match(await spam.innerText(), /Spam by SpamAssassin/);
    await spam.getByRole('listitem').filter({ hasText: /^GTUBE$/ }).waitFor();

    const html = page.getByRole('region', { name: 'HTML support in mail clients' });
    await html.locator('.html-issue').first().waitFor();
    const api = (await (await box.api(`/api/addresses/${INBOX}/messages/${ids.spammy}/checks/html`)).json()) as HtmlCheck;
    const features = [...new Set(api.issues.map((issue) => issue.feature))];
    assert.ok(features.some((feature) => feature.includes('flex')), `display:flex is found: ${features.join(', ')}`);
    assert.equal(await html.locator('.html-issue').count(), features.length, 'one entry per feature');
    assert.match(await html.innerText(), new RegExp(`${features.length} features? not supported everywhere`));
    for (const issue of api.issues) {
      const entry = html.locator('.html-issue').filter({ has: page.locator('.html-issue__feature').getByText(issue.feature, { exact: true }) });
      const label = issue.support === 'unsupported' ? 'Not supported by' : 'Partly supported by';
      const line = entry.locator('.html-issue__clients', { hasText: label });
      const text = await line.innerText();
      assert.ok(text.startsWith(`${label} ${issue.clients.length} client`), `${issue.feature}: ${text}`);
      for (const client of issue.clients) assert.ok(text.includes(client), `${issue.feature} names ${client}`);
    }

    const linkChecks = page.getByRole('region', { name: 'Links', exact: true });
    await linkChecks.getByRole('button', { name: 'Check links' }).click();
    await linkChecks.getByText('4 links checked.').waitFor();
    const result = (url: string) => linkChecks.locator('.link-check').filter({ has: page.locator('.link-check__url', { hasText: new RegExp(`^${url.replace(/[.?]/g, '\\$&')}$`) }) });
    assert.match(await result(`${base}/ok`).innerText(), /OK \(200\)/);
    assert.match(await result(`${base}/missing`).innerText(), /Broken \(404\)/);
    assert.match(await result(`${base}/moved`).innerText(), /OK \(200\)[\s\S]*1 redirect, to/);
    assert.match(await result('http://elsewhere.invalid/page').innerText(), /host not in CAPTUREBOX_LINK_CHECK_HOSTS/);
    await page.screenshot({ path: screenshotPath('message-checks-desktop'), fullPage: true });
    await accessibility('the Checks tab');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.equal(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'), 0, 'nothing scrolls sideways on a phone');
    await page.screenshot({ path: screenshotPath('message-checks-dark-phone'), fullPage: true });
    await accessibility('the Checks tab, dark, phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('a message spamd did not score says so, and says what the API cannot tell', async () => {
    await page.goto(`${box.baseUrl}/inbox/${INBOX}/${ids.big}`);
    await page.getByRole('tab', { name: 'Checks' }).click();
    const spam = page.getByRole('region', { name: 'Spam score' });
    await spam.getByText('Not scored.').waitFor();
    assert.match(await spam.innerText(), /CAPTUREBOX_SPAMD_URL/);
    assert.equal(await page.locator('.message__header .spam-badge').count(), 0);
    await page.getByRole('region', { name: 'HTML support in mail clients' }).getByText('No HTML part: nothing to check.').waitFor();
    assert.deepEqual(appErrors, []);
  });
});
