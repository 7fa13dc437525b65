// Capturebox on a real MongoDB-wire server (FerretDB v1 started by scripts/ferretdb.sh, or the MongoDB in
// CAPTUREBOX_TEST_MONGODB_URI): two replicas share one database, and a database outage gives 451/503
// and heals by itself when the database returns.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { startMongoTestServer, type MongoTestServer } from '../../apps/capture/dist-test/store/testing';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess, eventually } from './support/capturebox-process';
import { splitTraceLine } from './support/received-trace';
import { describeMailsacSurface, SURFACE_ENV } from './support/mailsac-surface';
import { SmtpDialog } from './support/smtp-dialog';

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

  // Bulk reservation, validation and mailstats: the mailstats are store queries of their own on MongoDB.
  describeMailsacSurface('MongoDB', () =>
    CaptureboxProcess.start({ env: { CAPTUREBOX_MONGODB_URI: server.uri(`surface_${randomBytes(4).toString('hex')}`), ...SURFACE_ENV } }),
  );

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

  test('database stopped and restarted under load: every 250 is readable, nothing unstored got a 250, retries succeed', async (t) => {
    if (server.kind !== 'ferretdb') return t.skip('the outage test stops the server, so it needs the FerretDB this test started');
    const box = await startBox(`load_${randomBytes(4).toString('hex')}`);
    const SENDERS = 4;
    const accepted: string[] = [];
    const subjectsSent: string[] = [];
    let temporaryFailures = 0;
    let outageOver = false;
    // Each sender is a well-behaved client: on a 4xx it waits and retries the same message. Senders keep
    // going until the outage is over, so every one of them lives through it.
    const sender = async (n: number) => {
      for (let m = 0; !outageOver || m < 5; m++) {
        const subject = `s${n}-m${m}`;
        for (let attempt = 0; ; attempt++) {
          try {
            const info = await send(box, 'load@example.com', subject);
            accepted.push(`${/queued as (\S+)$/.exec(info.response)![1]}-0`);
            subjectsSent.push(subject);
            break;
          } catch (error) {
            const code = (error as { responseCode?: number }).responseCode ?? 0;
            assert.ok(code >= 400 && code < 500, `only temporary failures, got ${code}: ${(error as Error).message}`);
            assert.ok(attempt < 300, 'retries give up after 300 attempts');
            temporaryFailures++;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const senders = Promise.all(Array.from({ length: SENDERS }, (_, n) => sender(n)));
    await eventually(async () => (accepted.length >= 10 ? true : undefined), 30_000);
    await server.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await server.restart();
    outageOver = true;
    await senders;

    assert.ok(temporaryFailures > 0, 'the outage was felt by the senders');
    await eventually(async () => ((await readyStatus(box)) === 200 ? true : undefined), 20_000);
    const listed = (await (await box.api('/api/addresses/load@example.com/messages?limit=1000')).json()) as Array<{ _id: string; subject: string }>;
    const listedIds = new Set(listed.map((m) => m._id));
    assert.deepEqual(accepted.filter((id) => !listedIds.has(id)), [], 'every message that got a 250 is stored');
    assert.deepEqual([...new Set(listed.map((m) => m.subject))].sort(), [...subjectsSent].sort(), 'every message sent is stored, and nothing else');
    // At least once: a write that landed while its 451 was on the way may be stored again by the retry.
    const extra = listed.length - accepted.length;
    assert.ok(extra >= 0 && extra <= temporaryFailures, `${extra} extra copies for ${temporaryFailures} retried attempts`);
  });

  test('a 25 MB message round-trips byte for byte through /api/raw', async () => {
    const box = await CaptureboxProcess.start({ env: { CAPTUREBOX_MONGODB_URI: server.uri(`big_${randomBytes(4).toString('hex')}`), CAPTUREBOX_SMTP_MAX_BYTES: String(30 * 1024 * 1024) } });
    boxes.push(box);
    // 25 MB of base64 lines: a realistic attachment-heavy message, free of DATA terminators.
    const body = randomBytes(18 * 1024 * 1024).toString('base64').replace(/.{76}/g, '$&\r\n');
    const raw = `From: big@example.com\r\nTo: big@example.com\r\nSubject: 25 MB\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${body}`;
    assert.ok(raw.length > 24 * 1024 * 1024);
    const { dialog } = await SmtpDialog.open(box.smtpPort);
    await dialog.secureLogin(ADMIN_USER, ADMIN_API_KEY);
    const reply = await dialog.sendMessage('big@example.com', 'big@example.com', raw, 120_000);
    dialog.close();
    assert.equal(reply.code, 250, reply.text);
    const id = `${/queued as (\S+)$/.exec(reply.text)![1]}-0`;
    const stored = Buffer.from(await (await box.api(`/api/raw/big@example.com/${id}`)).arrayBuffer());
    // Our Received: line, then the DATA: the CRLF before the final dot belongs to the message.
    const { original } = splitTraceLine(stored);
    assert.equal(original.length, Buffer.byteLength(raw) + 2);
    assert.ok(original.equals(Buffer.from(`${raw}\r\n`)), 'byte for byte');
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
