// The selftest command (the Helm chart's `helm test` pod runs it) passes against a running service and
// fails, with a reason, against a wrong key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';

const run = promisify(execFile);
const SELFTEST = resolve(__dirname, '../../apps/capture/dist/selftest.js');

describe('selftest command', () => {
  let box: CaptureboxProcess;
  before(async () => {
    box = await CaptureboxProcess.start();
  });
  after(async () => box.dispose());

  const env = (key: string) => ({
    PATH: process.env.PATH ?? '',
    CAPTUREBOX_SELFTEST_SMTP: `127.0.0.1:${box.smtpPort}`,
    CAPTUREBOX_SELFTEST_API: box.baseUrl,
    CAPTUREBOX_ADMIN_USER: ADMIN_USER,
    CAPTUREBOX_ADMIN_API_KEY: key,
  });

  test('sends, reads back, and exits 0', async () => {
    const { stdout } = await run(process.execPath, [SELFTEST], { env: env(ADMIN_API_KEY) });
    assert.match(stdout, /^capturebox selftest ok: 250 OK : queued as \S+; read back from selftest-[0-9a-f]+@capturebox\.test$/m);
  });

  test('a wrong key fails with exit 1 and says why', async () => {
    await assert.rejects(run(process.execPath, [SELFTEST], { env: env('cbx_wrong_wrong_wrong_wrong') }), (error: { code?: number; stderr?: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr ?? '', /selftest failed: .*535/);
      return true;
    });
  });
});
