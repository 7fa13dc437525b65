// Waits across replicas: two Capturebox processes on one MongoDB-wire database (FerretDB). Mail captured by
// one replica answers a wait open on the other within a bounded time, found by the one look per interval
// that serves every open wait of the process (waiting/replica-feed.ts), not by polling per wait.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { startMongoTestServer, type MongoTestServer } from '../../apps/capture/dist-test/store/testing';
import { CaptureboxProcess } from './support/capturebox-process';

describe('waits across two replicas on one MongoDB', () => {
  let server: MongoTestServer;
  let capturing: CaptureboxProcess;
  let waiting: CaptureboxProcess;
  let transport: ReturnType<typeof nodemailer.createTransport>;

  before(async () => {
    server = await startMongoTestServer();
    const env = { CAPTUREBOX_MONGODB_URI: server.uri(`waits_${randomBytes(4).toString('hex')}`), CAPTUREBOX_SMTP_AUTH: 'off' };
    capturing = await CaptureboxProcess.start({ env });
    waiting = await CaptureboxProcess.start({ env });
    transport = nodemailer.createTransport({ host: '127.0.0.1', port: capturing.smtpPort, pool: true, maxConnections: 1, tls: { rejectUnauthorized: false } });
  });
  after(async () => {
    transport?.close();
    await Promise.all([capturing?.dispose(), waiting?.dispose()]);
    await server?.dispose();
  });

  const cursorOf = async (box: CaptureboxProcess) => ((await (await box.api('/api/wait/cursor', { key: null })).json()) as { cursor: string }).cursor;

  test('a wait on the other replica answers soon after the 250 (100 runs, p99 printed), and an account-wide wait too', async () => {
    const latencies: number[] = [];
    for (let n = 0; n < 100; n++) {
      const inbox = `replica-${n}@wait.test`;
      const since = await cursorOf(waiting);
      const answer = waiting.api(`/api/addresses/${inbox}/wait?since=${since}&timeout=10`, { key: null });
      await new Promise((resolve) => setTimeout(resolve, 5));
      await transport.sendMail({ from: 'app@shop.test', to: inbox, subject: `across ${n}`, text: 'hi' });
      const acknowledged = performance.now();
      const response = await answer;
      latencies.push(performance.now() - acknowledged);
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { subject: string }).subject, `across ${n}`);
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const p99 = sorted[Math.ceil(sorted.length * 0.99) - 1];
    console.log(`wait on the other replica answered after the 250: median ${sorted[50].toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
    // The target is 50 ms (a 20 ms look interval); the bound only catches a wait that does not wake (a 2-core CI machine under load measured a 149 ms p99).
    assert.ok(p99 < 1000, `p99 ${p99.toFixed(1)} ms`);

    const since = await cursorOf(waiting);
    const wide = waiting.api(`/api/wait?since=${since}&subject=account-wide&timeout=10`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await transport.sendMail({ from: 'app@shop.test', to: 'anyone@elsewhere.test', subject: 'account-wide', text: 'hi' });
    const response = await wide;
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { inbox: string }).inbox, 'anyone@elsewhere.test');
  });

  test('with no wait open, the replica that did not capture sends no query at all', async () => {
    // Nothing to assert from outside but that waits still work after idling; the feed's own spec checks it stays silent.
    const since = await cursorOf(waiting);
    await transport.sendMail({ from: 'app@shop.test', to: 'late@wait.test', subject: 'after idling', text: 'hi' });
    const response = await waiting.api(`/api/addresses/late@wait.test/wait?since=${since}&timeout=10`, { key: null });
    assert.equal(response.status, 200, 'found by the first look, which reads the store directly');
  });
});
