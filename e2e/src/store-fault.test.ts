// Nothing lost: when the store cannot take a write, the sender gets a 4xx (and retries) instead of a
// 250 for a message that was never stored. The fault is real: another process holds SQLite's write lock.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';
import { holdWriteLock } from './support/sqlite-write-lock';

const INBOX = 'fault@example.com';

describe('store faults', () => {
  let box: CaptureboxProcess;
  before(async () => {
    box = await CaptureboxProcess.start();
  });
  after(async () => box.dispose());

  const send = (subject: string) => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false },
    });
    return transport.sendMail({ from: 'a@example.com', to: INBOX, subject, text: subject }).finally(() => transport.close());
  };

  test('a store that refuses the write gets 451, nothing is listed, and capture resumes afterwards', async () => {
    const lock = holdWriteLock(join(box.dataDir, 'capturebox.sqlite'));
    assert.equal(await lock.locked, 'locked');
    await assert.rejects(send('refused while locked'), (error: { responseCode?: number; response?: string }) => {
      assert.equal(error.responseCode, 451, error.response);
      return true;
    });
    assert.ok(box.running, 'the process survives the fault');
    await lock.release();

    const info = await send('accepted after release');
    assert.match(info.response, /^250 OK : queued as /);
    const listed = (await (await box.api(`/api/addresses/${INBOX}/messages`)).json()) as Array<{ subject: string }>;
    assert.deepEqual(listed.map((m) => m.subject), ['accepted after release']);
  });
});
