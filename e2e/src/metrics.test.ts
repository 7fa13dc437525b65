// /metrics counts exactly what happened: N messages, some oversize, some sent with a wrong password.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';
import { parseSamples, valueOf, type Sample } from './support/prometheus-text';
import { SmtpDialog } from './support/smtp-dialog';
import { splitTraceLine } from './support/received-trace';

const GOOD = 6;
const OVERSIZE_DECLARED = 2; // nodemailer declares SIZE= and is refused at MAIL FROM
const OVERSIZE_UNDECLARED = 1; // raw client without SIZE=, refused after DATA
const WRONG_PASSWORD = 3;
const LIMIT = 20_000;

describe('metrics', () => {
  let box: CaptureboxProcess;
  let samples: Sample[];
  let receivedBytes = 0;

  before(async () => {
    box = await CaptureboxProcess.start({ env: { CAPTUREBOX_SMTP_MAX_BYTES: String(LIMIT) } });
    const good = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false } });
    for (let n = 0; n < GOOD; n++) await good.sendMail({ from: 'a@example.com', to: 'metrics@example.com', subject: `ok ${n}`, text: 'small' });
    for (let n = 0; n < OVERSIZE_DECLARED; n++) {
      await assert.rejects(good.sendMail({ from: 'a@example.com', to: 'metrics@example.com', subject: 'big', text: 'x'.repeat(LIMIT * 2) }));
    }
    good.close();
    for (let n = 0; n < OVERSIZE_UNDECLARED; n++) {
      const { dialog } = await SmtpDialog.open(box.smtpPort);
      await dialog.secureLogin(ADMIN_USER, ADMIN_API_KEY);
      assert.equal((await dialog.sendMessage('a@example.com', 'metrics@example.com', `Subject: big\n\n${'y'.repeat(LIMIT * 2)}`)).code, 552);
      dialog.close();
    }
    for (let n = 0; n < WRONG_PASSWORD; n++) {
      const wrong = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: `cbx_wrong_${n}_xxxxxxxxxxxx` }, tls: { rejectUnauthorized: false } });
      await assert.rejects(wrong.sendMail({ from: 'a@example.com', to: 'metrics@example.com', subject: 'denied', text: 'no' }));
      wrong.close();
    }
    const listed = (await (await box.api('/api/addresses/metrics@example.com/messages?limit=100')).json()) as Array<{ _id: string; size: number }>;
    assert.equal(listed.length, GOOD);
    // The counter counts the DATA clients sent: each stored source less our Received: line on top.
    receivedBytes = 0;
    for (const message of listed) {
      const raw = Buffer.from(await (await box.api(`/api/raw/metrics@example.com/${message._id}`)).arrayBuffer());
      assert.equal(raw.length, message.size, 'size is the stored source');
      receivedBytes += splitTraceLine(raw).original.length;
    }
    // Let the last sessions' close events land before reading.
    await new Promise((r) => setTimeout(r, 200));
    samples = parseSamples(await (await fetch(`${box.baseUrl}/metrics`)).text());
  });
  after(async () => box.dispose());

  test('accepted, rejected by reason, bytes and auth failures match exactly', () => {
    assert.equal(valueOf(samples, 'capturebox_smtp_messages_accepted_total', { tls: 'true' }), GOOD);
    assert.equal(valueOf(samples, 'capturebox_smtp_messages_accepted_total', { tls: 'false' }), 0);
    assert.equal(valueOf(samples, 'capturebox_smtp_messages_rejected_total', { reason: 'message_too_big' }), OVERSIZE_DECLARED + OVERSIZE_UNDECLARED);
    assert.equal(valueOf(samples, 'capturebox_smtp_messages_rejected_total', { reason: 'store_unavailable' }), 0);
    assert.equal(valueOf(samples, 'capturebox_smtp_auth_failures_total'), WRONG_PASSWORD);
    assert.equal(valueOf(samples, 'capturebox_smtp_received_bytes_total'), receivedBytes);
  });

  test('connections, sessions by TLS, and timing histograms count every event', () => {
    // nodemailer without `pool` opens one connection per sendMail; each raw dialog is one more.
    const connections = GOOD + OVERSIZE_DECLARED + OVERSIZE_UNDECLARED + WRONG_PASSWORD;
    assert.equal(valueOf(samples, 'capturebox_smtp_connections_total'), connections);
    assert.equal(valueOf(samples, 'capturebox_smtp_connections'), 0);
    assert.equal(valueOf(samples, 'capturebox_smtp_sessions_total', { tls: 'true' }), connections);
    assert.equal(valueOf(samples, 'capturebox_smtp_transaction_duration_seconds_count'), GOOD);
    assert.equal(valueOf(samples, 'capturebox_ingest_parse_duration_seconds_count'), GOOD);
    assert.equal(valueOf(samples, 'capturebox_store_write_duration_seconds_count'), GOOD);
    assert.ok(valueOf(samples, 'process_resident_memory_bytes') > 0, 'default process metrics are exported');
  });

  test('API requests are counted by route pattern and status, never by address', () => {
    assert.equal(valueOf(samples, 'capturebox_http_requests_total', { route: '/api/addresses/:email/messages', method: 'GET', status: '200' }), 1);
    assert.ok(!samples.some((s) => Object.values(s.labels).some((v) => v.includes('@'))), 'no address in any label');
  });
});
