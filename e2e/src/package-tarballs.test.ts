// `npm pack` of each published package yields a tarball that installs into an empty directory and works
// there, outside the workspace: the client (no dependencies, so installed --offline) from CommonJS, ESM and
// TypeScript against the built service; the Playwright fixture with @playwright/test in a spec run in
// Debian's Chromium; the Testcontainers module with testcontainers from the npm registry (or npm's cache),
// loaded and configured (testcontainers.test.ts runs it on a real Docker engine).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import { CaptureboxProcess } from './support/capturebox-process';
import { CHROMIUM_PATH } from './support/browser';

const REPO = resolve(__dirname, '../..');
const PACKAGES = ['client', 'playwright', 'testcontainers'] as const;
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');

describe('package tarballs install into an empty directory and work there', () => {
  let box: CaptureboxProcess;
  let work: string;
  const tarball: Record<string, string> = {};

  before(async () => {
    box = await CaptureboxProcess.start({ env: { CAPTUREBOX_SMTP_AUTH: 'off' } });
    work = mkdtempSync(join(tmpdir(), 'capturebox-tarballs-'));
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', work, ...PACKAGES.flatMap((name) => ['-w', `packages/${name}`])], { cwd: REPO, encoding: 'utf8' }),
    ) as Array<{ name: string; filename: string }>;
    for (const entry of packed) tarball[entry.name.replace('@capturebox/', '')] = join(work, entry.filename);
  });
  after(async () => {
    await box.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  /** An empty project with the given tarballs and registry packages installed. */
  function project(name: string, specs: string[], offline: boolean): string {
    const dir = join(work, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `tarball-${name}`, private: true }));
    execFileSync('npm', ['install', offline ? '--offline' : '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', ...specs], { cwd: dir, stdio: 'pipe' });
    return dir;
  }

  const node = (dir: string, args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });

  async function sendCode(inbox: string, code: string): Promise<string> {
    const after = ((await (await box.api('/api/wait/cursor', { key: null })).json()) as { cursor: string }).cursor;
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, tls: { rejectUnauthorized: false } });
    await transport.sendMail({ from: 'app@shop.test', to: inbox, subject: 'Your code', text: `Your verification code is ${code}.` });
    transport.close();
    return after;
  }

  test('@capturebox/client: offline, no dependency, from CommonJS, ESM and TypeScript', async () => {
    const dir = project('client', [tarball.client], true);
    assert.deepEqual(readdirSync(join(dir, 'node_modules')).filter((entry) => !entry.startsWith('.')), ['@capturebox']);
    const after = await sendCode('tarball@client.test', '615243');
    const env = { CAPTUREBOX_URL: box.baseUrl, AFTER: after };
    const read = `.waitForCode({ to: 'tarball@client.test', after: process.env.AFTER, timeoutSeconds: 5 }).then((code) => console.log('code', code))`;
    writeFileSync(join(dir, 'read.cjs'), `const { CaptureboxClient } = require('@capturebox/client');\nnew CaptureboxClient({ baseUrl: process.env.CAPTUREBOX_URL })${read};\n`);
    writeFileSync(join(dir, 'read.mjs'), `import { CaptureboxClient } from '@capturebox/client';\nnew CaptureboxClient({ baseUrl: process.env.CAPTUREBOX_URL })${read};\n`);
    for (const file of ['read.cjs', 'read.mjs']) {
      const result = node(dir, [file], env);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout.trim(), 'code 615243', file);
    }
    // The types ship: a typed call compiles, a wrong one does not.
    writeFileSync(join(dir, 'typed.ts'), `import { CaptureboxClient, CaptureboxNotFoundError, type EmailMessage } from '@capturebox/client';\nconst c = new CaptureboxClient({ baseUrl: 'http://x' });\nexport const m: Promise<EmailMessage> = c.waitForMessage({ to: 'a@b.test' });\nexport const n: string | undefined = new CaptureboxNotFoundError(404, {}, 'GET /').body.message;\n`);
    writeFileSync(join(dir, 'wrong.ts'), `import { CaptureboxClient } from '@capturebox/client';\nexport const x: number = new CaptureboxClient({ baseUrl: 'http://x' }).cursor();\n`);
    const tsc = (file: string) => {
      const options = { noEmit: true, strict: true, module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2023', 'dom'], types: [] };
      writeFileSync(join(dir, `tsconfig.${file}.json`), JSON.stringify({ compilerOptions: options, files: [file] }));
      return node(dir, [TSC, '-p', `tsconfig.${file}.json`]);
    };
    const typed = tsc('typed.ts');
    assert.equal(typed.status, 0, typed.stdout);
    const wrong = tsc('wrong.ts');
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.stdout, /Type 'Promise<string>' is not assignable to type 'number'/);
  });

  test('@capturebox/playwright: a spec with the mailbox fixture passes in Debian\'s Chromium', async () => {
    const dir = project('playwright', [tarball.client, tarball.playwright, '@playwright/test@1.65.1'], false);
    mkdirSync(join(dir, 'tests'));
    writeFileSync(join(dir, 'playwright.config.mjs'), `export default { testDir: 'tests', reporter: 'list', outputDir: ${JSON.stringify(join(work, 'pw-output'))}, use: { launchOptions: { executablePath: ${JSON.stringify(CHROMIUM_PATH)}, args: ['--no-sandbox'] } } };\n`);
    writeFileSync(
      join(dir, 'tests/mailbox.spec.mjs'),
      `import { test, expect } from '@capturebox/playwright';
import nodemailer from ${JSON.stringify(require.resolve('nodemailer'))};
test('the fixture gives a fresh address and its code', async ({ page, mailbox }) => {
  await page.setContent('<p id="to"></p>');
  await page.locator('#to').evaluate((element, address) => (element.textContent = address), mailbox.address);
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: ${box.smtpPort}, tls: { rejectUnauthorized: false } });
  await transport.sendMail({ from: 'app@shop.test', to: await page.locator('#to').textContent(), subject: 'Your code', text: 'Your verification code is 904417.' });
  transport.close();
  expect(mailbox.address).toMatch(/^the-fixture-gives-a-fresh-address-and-it-[0-9a-f]{8}@capturebox\\.test$/);
  expect(await mailbox.waitForCode()).toBe('904417');
});
`,
    );
    const result = node(dir, [join(dir, 'node_modules/@playwright/test/cli.js'), 'test'], { CAPTUREBOX_URL: box.baseUrl });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /1 passed/);
  });

  test('@capturebox/testcontainers: installs with testcontainers and configures a container', () => {
    const dir = project('testcontainers', [tarball.client, tarball.testcontainers], false);
    assert.ok(existsSync(join(dir, 'node_modules/testcontainers/package.json')));
    const script = `const { CaptureboxContainer, CAPTUREBOX_PORTS } = require('@capturebox/testcontainers');
const container = new CaptureboxContainer('capturebox:test').withAdmin('ci', 'cbx_tarball_key_0123456789');
console.log(container instanceof require('testcontainers').GenericContainer, JSON.stringify(CAPTUREBOX_PORTS));`;
    const result = node(dir, ['-e', script]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'true {"smtp":5587,"http":8080}');
  });
});
