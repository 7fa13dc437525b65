// The SMTP auth modes (required is covered elsewhere) and the bootstrap admin key generated at first start.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';

function transport(box: CaptureboxProcess, auth?: { user: string; pass: string }) {
  return nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth, tls: { rejectUnauthorized: false } });
}

async function inboxSubjects(box: CaptureboxProcess, inbox: string): Promise<string[]> {
  const list = (await (await box.api(`/api/addresses/${inbox}/messages`)).json()) as Array<{ subject: string }>;
  return list.map((m) => m.subject).sort();
}

describe('CAPTUREBOX_SMTP_AUTH', () => {
  const boxes: CaptureboxProcess[] = [];
  after(async () => Promise.all(boxes.map((b) => b.dispose())));

  test('optional: anonymous mail is captured, a wrong key is still refused with 535', async () => {
    const box = await CaptureboxProcess.start({ env: { CAPTUREBOX_SMTP_AUTH: 'optional' } });
    boxes.push(box);
    const anonymous = transport(box);
    await anonymous.sendMail({ from: 'a@example.com', to: 'optional@example.com', subject: 'anonymous', text: '.' });
    anonymous.close();
    const wrong = transport(box, { user: ADMIN_USER, pass: 'cbx_definitely_not_the_key' });
    await assert.rejects(wrong.sendMail({ from: 'a@example.com', to: 'optional@example.com', subject: 'wrong key', text: '.' }), (e: { responseCode?: number }) => e.responseCode === 535);
    wrong.close();
    assert.deepEqual(await inboxSubjects(box, 'optional@example.com'), ['anonymous']);
  });

  test('off: anything goes, with or without (any) credentials', async () => {
    const box = await CaptureboxProcess.start({ env: { CAPTUREBOX_SMTP_AUTH: 'off' } });
    boxes.push(box);
    for (const [subject, auth] of [['no login', undefined], ['made-up login', { user: 'whoever', pass: 'whatever' }]] as const) {
      const client = transport(box, auth);
      await client.sendMail({ from: 'a@example.com', to: 'off@example.com', subject, text: '.' });
      client.close();
    }
    assert.deepEqual(await inboxSubjects(box, 'off@example.com'), ['made-up login', 'no login']);
  });

  test('an unknown mode stops the start with a clear message', async () => {
    await assert.rejects(CaptureboxProcess.start({ env: { CAPTUREBOX_SMTP_AUTH: 'sometimes' } }), /CAPTUREBOX_SMTP_AUTH/);
  });
});

describe('bootstrap admin key', () => {
  let box: CaptureboxProcess;
  after(async () => box?.dispose());

  test('is generated and printed once at first start, then only its hash is kept', async () => {
    box = await CaptureboxProcess.start({ env: { CAPTUREBOX_ADMIN_API_KEY: '' } });
    const printed = box.output.join('\n').match(/key:\s+(cbx_[A-Za-z0-9_-]{43})/);
    assert.ok(printed, `no generated key in:\n${box.output.join('\n')}`);
    const key = printed[1];
    assert.notEqual(key, ADMIN_API_KEY);
    assert.equal((await box.api('/api/me', { key })).status, 200);
    assert.equal((await box.api('/api/me', { key: ADMIN_API_KEY })).status, 401);

    await box.restart();
    const afterRestart = box.output.join('\n').split('shutting down').pop()!;
    assert.doesNotMatch(afterRestart, /generated an admin API key/);
    assert.doesNotMatch(box.output.join('\n').replace(printed[0], ''), new RegExp(key), 'the key appears nowhere but the one banner');
    assert.equal((await box.api('/api/me', { key })).status, 200);
  });
});
