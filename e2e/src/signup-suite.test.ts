// examples/signup-suite, the sample project that depends on @capturebox/client and @capturebox/playwright
// by workspace path, run as its users run it against the built service: its node:test suite (a sign-up mail
// sent through nodemailer, its code read with one await) and its Playwright specs (Debian's Chromium signs
// up with the fixture's fresh address and follows the mailed link). Its container test runs in
// testcontainers.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';
import { CHROMIUM_PATH } from './support/browser';

const SUITE = resolve(__dirname, '../../examples/signup-suite');

describe('examples/signup-suite', () => {
  let box: CaptureboxProcess;
  let output: string;

  before(async () => {
    box = await CaptureboxProcess.start();
    output = mkdtempSync(join(tmpdir(), 'capturebox-signup-suite-'));
  });
  after(async () => {
    await box.dispose();
    rmSync(output, { recursive: true, force: true });
  });

  const run = (args: string[]) =>
    spawnSync(process.execPath, args, {
      cwd: SUITE,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        CAPTUREBOX_URL: box.baseUrl,
        CAPTUREBOX_SMTP_HOST: '127.0.0.1',
        CAPTUREBOX_SMTP_PORT: String(box.smtpPort),
        CAPTUREBOX_SMTP_USER: ADMIN_USER,
        CAPTUREBOX_API_KEY: ADMIN_API_KEY,
        CHROMIUM_PATH,
        PLAYWRIGHT_OUTPUT_DIR: output,
      },
    });

  test('its node:test suite passes: the sign-up code read with one await', () => {
    const result = run(['--test', 'test/']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /# pass 1\n# fail 0/);
  });

  test('its Playwright specs pass in Debian\'s Chromium: sign up, follow the mailed link, read the code', () => {
    const result = run([require.resolve('@playwright/test/cli', { paths: [SUITE] }), 'test']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /sign up and follow the verification link/);
    assert.match(result.stdout, /2 passed/);
  });
});
