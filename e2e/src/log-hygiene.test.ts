// No API key, SMTP password or message body ever reaches the logs, on good paths and bad ones.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';

const BODY_MARKER = 'BODY-MARKER-7f3a9c1e-never-log-me';
const WRONG_PASSWORD = 'cbx_WRONG-PASSWORD-marker-5e1d';
const QUERY_KEY_PROBE = 'cbx_QUERY-KEY-marker-91ab';

describe('log hygiene', () => {
  let box: CaptureboxProcess;
  before(async () => {
    box = await CaptureboxProcess.start({ env: { CAPTUREBOX_LOG_LEVEL: 'trace' } });
    const good = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false } });
    await good.sendMail({ from: 'a@example.com', to: 'logs@example.com', subject: 'log test', text: BODY_MARKER, html: `<p>${BODY_MARKER}</p>` });
    good.close();
    const bad = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: WRONG_PASSWORD }, tls: { rejectUnauthorized: false } });
    await assert.rejects(bad.sendMail({ from: 'a@example.com', to: 'logs@example.com', subject: 'x', text: BODY_MARKER }));
    bad.close();
    const [message] = (await (await box.api('/api/addresses/logs@example.com/messages')).json()) as Array<{ _id: string }>;
    await box.api(`/api/text/logs@example.com/${message._id}`);
    await box.api(`/api/raw/logs@example.com/${message._id}?_mailsacKey=${ADMIN_API_KEY}`, { key: null });
    await box.api(`/api/me?_mailsacKey=${QUERY_KEY_PROBE}`, { key: null });
    await box.api('/api/me', { key: QUERY_KEY_PROBE });
    await box.stop();
  });
  after(async () => box.dispose());

  test('a full run at trace level logs requests and sessions but no secret and no body', () => {
    const logs = box.output.join('\n');
    assert.match(logs, /"msg":"message captured"/, 'the run was logged at all');
    assert.match(logs, /"msg":"http request"/);
    assert.match(logs, /"reqId":"/);
    for (const secret of [ADMIN_API_KEY, WRONG_PASSWORD, QUERY_KEY_PROBE, BODY_MARKER, Buffer.from(`\0${ADMIN_USER}\0${ADMIN_API_KEY}`).toString('base64')]) {
      assert.ok(!logs.includes(secret), `logs contain ${secret}`);
    }
  });
});
