// Durability: every message that got a 250 is still there after the service stops (cleanly, or killed
// with captures in flight) and starts again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';
import { holdWriteLock } from './support/sqlite-write-lock';

const MESSAGES = 25;
/** Under load: this many are sent, and the process is killed at the KILL_AFTER-th 250. */
const LOAD_MESSAGES = 90;
const KILL_AFTER = 30;
/** Every third message of the kill tests carries it: about 200 KB on the wire. */
const ATTACHMENT = Buffer.alloc(150 * 1024, 'capturebox durability ');

describe('restart', () => {
  let box: CaptureboxProcess;
  before(async () => {
    box = await CaptureboxProcess.start();
  });
  after(async () => box.dispose());

  /** A pooled SMTP client; `send` resolves with the id of the message's copy once it got its 250. */
  const sender = (inbox: string, connections: number) => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1', port: box.smtpPort, pool: true, maxConnections: connections,
      auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false },
    });
    return {
      async send(n: number, withAttachment = n % 3 === 0): Promise<string> {
        const attachments = withAttachment ? [{ filename: `report-${n}.bin`, content: ATTACHMENT }] : [];
        const info = await transport.sendMail({ from: 'a@example.com', to: inbox, subject: `${inbox} ${n}`, text: `n=${n}`, attachments });
        return `${/queued as (\S+)$/.exec(info.response)![1]}-0`;
      },
      close: () => transport.close(),
    };
  };

  const listed = async (inbox: string): Promise<Set<string>> => {
    const response = await box.api(`/api/addresses/${inbox}/messages?limit=100`);
    return new Set(((await response.json()) as Array<{ _id: string }>).map((m) => m._id));
  };

  const lost = async (inbox: string, accepted: string[]): Promise<string[]> => {
    const found = await listed(inbox);
    return accepted.filter((id) => !found.has(id));
  };

  test('every accepted message survives SIGTERM and a fresh start on the same data directory', async () => {
    const smtp = sender('durable@example.com', 5);
    const accepted = await Promise.all(Array.from({ length: MESSAGES }, (_, n) => smtp.send(n, false)));
    smtp.close();

    assert.equal(await box.stop(), 0, 'clean exit on SIGTERM');
    await box.restart();

    assert.deepEqual([...(await listed('durable@example.com'))].sort(), accepted.sort());
  });

  test('every message acknowledged before a SIGKILL under load (1 KB and 200 KB) is there after a fresh start', async () => {
    await box.restart();
    const smtp = sender('killed@example.com', 10);
    const accepted: string[] = [];
    let cut = 0;
    await Promise.all(
      Array.from({ length: LOAD_MESSAGES }, (_, n) =>
        smtp.send(n).then(
          (id) => {
            accepted.push(id);
            // Killed while the other connections are in DATA or waiting for their 250.
            if (accepted.length === KILL_AFTER) box.signal('SIGKILL');
          },
          () => cut++,
        ),
      ),
    );
    smtp.close();
    await box.exited;
    assert.ok(accepted.length >= KILL_AFTER, `only ${accepted.length} accepted before the kill`);
    assert.ok(cut > 0, 'the kill came while messages were still in flight');

    await box.restart();
    assert.deepEqual(await lost('killed@example.com', accepted), [], 'acknowledged but lost');
  });

  test('a SIGKILL while captures wait for their commit loses nothing that was acknowledged', async () => {
    await box.restart();
    const smtp = sender('pending@example.com', 10);
    const accepted = await Promise.all(Array.from({ length: 10 }, (_, n) => smtp.send(n)));
    // Another process holds the write lock: the next captures are parsed and wait for their commit, so a
    // service that answered 250 before the commit would have acknowledged them by the time of the kill.
    const lock = holdWriteLock(join(box.dataDir, 'capturebox.sqlite'));
    await lock.locked;
    const inFlight = Array.from({ length: 20 }, (_, n) => smtp.send(10 + n).then((id) => (accepted.push(id), 'accepted'), () => 'cut'));
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // well inside the 5 s busy timeout
    box.signal('SIGKILL');
    await box.exited;
    await lock.release();
    const outcomes = await Promise.all(inFlight);
    smtp.close();
    assert.ok(outcomes.includes('cut'), 'the kill came while captures were in flight');

    await box.restart();
    assert.deepEqual(await lost('pending@example.com', accepted), [], 'acknowledged but lost');
  });
});
