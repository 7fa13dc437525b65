// SIGTERM in the middle of a DATA transfer: that transaction still completes with 250 and is stored,
// new connections are refused, and the process exits 0.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';
import { expectCode, SmtpDialog } from './support/smtp-dialog';

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('graceful shutdown', () => {
  let box: CaptureboxProcess;
  before(async () => {
    box = await CaptureboxProcess.start();
  });
  after(async () => box.dispose());

  test('a transaction in DATA finishes with 250 and is stored; new connections are refused; exit 0', async () => {
    const { dialog } = await SmtpDialog.open(box.smtpPort);
    await dialog.secureLogin(ADMIN_USER, ADMIN_API_KEY);
    expectCode(await dialog.command('MAIL FROM:<a@example.com>'), 250);
    expectCode(await dialog.command('RCPT TO:<inflight@example.com>'), 250);
    expectCode(await dialog.command('DATA'), 354);
    dialog.write('Subject: in flight during SIGTERM\r\n\r\nfirst half of the body\r\n');

    box.signal('SIGTERM');
    const smtpPort = box.smtpPort;
    // The listener closes first: wait until a new connection is refused.
    for (let attempt = 0; attempt < 50 && !(await connectionRefused(smtpPort)); attempt++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(await connectionRefused(smtpPort), 'new SMTP connections are refused while draining');

    dialog.write('second half of the body\r\n.\r\n');
    const reply = await dialog.reply();
    assert.equal(reply.code, 250, reply.text);
    const queueId = /queued as (\S+)$/.exec(reply.text)![1];
    dialog.close();
    assert.equal(await box.exited, 0);

    await box.restart();
    const listed = (await (await box.api('/api/addresses/inflight@example.com/messages')).json()) as Array<{ _id: string }>;
    assert.deepEqual(listed.map((m) => m._id), [`${queueId}-0`]);
    const text = await (await box.api(`/api/text/inflight@example.com/${queueId}-0`)).text();
    assert.match(text, /first half of the body\r?\nsecond half of the body/);
  });
});
