// Durability: every message that got a 250 is still there after the service stops and starts again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';

const MESSAGES = 25;

describe('restart', () => {
  let box: CaptureboxProcess;
  before(async () => {
    box = await CaptureboxProcess.start();
  });
  after(async () => box.dispose());

  test('every accepted message survives SIGTERM and a fresh start on the same data directory', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1', port: box.smtpPort, pool: true, maxConnections: 5,
      auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false },
    });
    const infos = await Promise.all(
      Array.from({ length: MESSAGES }, (_, n) => transport.sendMail({ from: 'a@example.com', to: 'durable@example.com', subject: `durable ${n}`, text: `n=${n}` })),
    );
    transport.close();
    const accepted = infos.map((info) => `${/queued as (\S+)$/.exec(info.response)![1]}-0`).sort();

    assert.equal(await box.stop(), 0, 'clean exit on SIGTERM');
    await box.restart();

    const response = await box.api(`/api/addresses/durable@example.com/messages?limit=100`);
    const listed = ((await response.json()) as Array<{ _id: string }>).map((m) => m._id).sort();
    assert.deepEqual(listed, accepted);
  });
});
