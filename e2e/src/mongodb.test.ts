// Capturebox on a real MongoDB-wire server (FerretDB v1 started by scripts/ferretdb.sh, or the MongoDB in
// CAPTUREBOX_TEST_MONGODB_URI): two replicas share one database, and a database outage gives 451/503
// and heals by itself when the database returns.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { startMongoTestServer, type MongoTestServer } from '../../apps/capture/dist/store/testing';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess, eventually } from './support/capturebox-process';

function send(box: CaptureboxProcess, to: string, subject: string) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false } });
  return transport.sendMail({ from: 'a@example.com', to, subject, text: subject }).finally(() => transport.close());
}

async function subjects(box: CaptureboxProcess, inbox: string): Promise<string[]> {
  const response = await box.api(`/api/addresses/${inbox}/messages?limit=100`);
  assert.equal(response.status, 200);
  return ((await response.json()) as Array<{ subject: string }>).map((m) => m.subject).sort();
}

const readyStatus = async (box: CaptureboxProcess) => (await fetch(`${box.baseUrl}/readyz`)).status;

describe('MongoDB store', () => {
  let server: MongoTestServer;
  const boxes: CaptureboxProcess[] = [];
  before(async () => {
    server = await startMongoTestServer();
  });
  after(async () => {
    await Promise.all(boxes.map((box) => box.dispose()));
    await server.dispose();
  });

  const startBox = async (database: string) => {
    const box = await CaptureboxProcess.start({ env: { CAPTUREBOX_MONGODB_URI: server.uri(database) } });
    boxes.push(box);
    return box;
  };

  test('two replicas on one database: mail captured by one is readable through the other', async () => {
    const database = `replicas_${randomBytes(4).toString('hex')}`;
    const [first, second] = await Promise.all([startBox(database), startBox(database)]);
    assert.equal(await readyStatus(first), 200);
    await send(first, 'shared@example.com', 'via first');
    await send(second, 'shared@example.com', 'via second');
    assert.deepEqual(await subjects(second, 'shared@example.com'), ['via first', 'via second']);
    assert.deepEqual(await subjects(first, 'shared@example.com'), ['via first', 'via second']);

    const [message] = (await (await second.api('/api/addresses/shared@example.com/messages?limit=1')).json()) as Array<{ _id: string }>;
    const raw = await (await first.api(`/api/raw/shared@example.com/${message._id}`)).text();
    assert.match(raw, /Subject: via (first|second)/);
    const deleted = await first.api(`/api/addresses/shared@example.com/messages/${message._id}`, { method: 'DELETE' });
    assert.equal(deleted.status, 200);
    assert.equal((await second.api(`/api/addresses/shared@example.com/messages/${message._id}`)).status, 404);
  });

  test('database down: SMTP 451, API 503, not ready; back up: heals by itself, nothing lost', async (t) => {
    if (server.kind !== 'ferretdb') return t.skip('the outage test stops the server, so it needs the FerretDB this test started');
    const box = await startBox(`outage_${randomBytes(4).toString('hex')}`);
    await send(box, 'outage@example.com', 'before the outage');

    await server.stop();
    await assert.rejects(send(box, 'outage@example.com', 'during the outage'), (error: { responseCode?: number; response?: string }) => {
      assert.equal(error.responseCode, 451, error.response);
      return true;
    });
    const listing = await box.api('/api/addresses/outage@example.com/messages');
    assert.equal(listing.status, 503);
    assert.match(((await listing.json()) as { message: string }).message, /temporarily unavailable/);
    assert.equal(await readyStatus(box), 503);
    assert.ok(box.running, 'the process rides the outage out');

    await server.restart();
    await eventually(async () => ((await readyStatus(box)) === 200 ? true : undefined), 20_000);
    await send(box, 'outage@example.com', 'after the outage');
    assert.deepEqual(await subjects(box, 'outage@example.com'), ['after the outage', 'before the outage']);
  });

  test('started while the database is down: stays up, not ready, and becomes ready when it appears', async (t) => {
    if (server.kind !== 'ferretdb') return t.skip('needs the FerretDB this test started');
    await server.stop();
    const box = await startBox(`late_${randomBytes(4).toString('hex')}`);
    assert.equal(await readyStatus(box), 503);
    // A temporary failure either way: 454 at AUTH (the key cannot be checked yet) or 451 at DATA.
    await assert.rejects(send(box, 'late@example.com', 'too early'), (error: { responseCode?: number }) => error.responseCode === 454 || error.responseCode === 451);
    await server.restart();
    await eventually(async () => ((await readyStatus(box)) === 200 ? true : undefined), 30_000);
    await send(box, 'late@example.com', 'once ready');
    assert.deepEqual(await subjects(box, 'late@example.com'), ['once ready']);
  });
});
