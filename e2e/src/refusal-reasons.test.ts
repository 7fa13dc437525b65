// Issue 15, item 3: every refusal is counted under its own reason, exactly once. Each test provokes one
// kind of refusal from outside, over a real socket, and reads how every reason of
// capturebox_smtp_messages_rejected_total (and the failed-login counter) moved: the one provoked by
// exactly what was sent, every other by nothing. Refusals that cannot be provoked from outside
// (auth_unavailable needs the accounts store to fail a read, capture_failed an unexpected error) are
// left to the error table's unit test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';
import { parseSamples, valueOf } from './support/prometheus-text';
import { expectCode, SmtpDialog, type SmtpReply } from './support/smtp-dialog';
import { holdWriteLock } from './support/sqlite-write-lock';

const MAX_BYTES = 20_000;
const DATA_TIMEOUT_MS = 1500;
const REJECTED = 'capturebox_smtp_messages_rejected_total';
const AUTH_FAILURES = 'capturebox_smtp_auth_failures_total';
const README = resolve(__dirname, '../../README.md');

/** The reasons the README's metrics paragraph names: what operators are told to expect. */
function reasonsInReadme(): string[] {
  const text = readFileSync(README, 'utf8').replace(/\s+/g, ' ');
  const list = /rejected by reason \((.*?)\), bytes/.exec(text);
  assert.ok(list, 'the README names the rejection reasons');
  return [...list[1].matchAll(/`([a-z_]+)`/g)].map((match) => match[1]);
}

/** Past RFC 5321's 64 octets: smtp-server lets it through (it checks only the whole path), we refuse it. */
const TOO_LONG_LOCAL_PART = 'x'.repeat(65);

const line = (reply: SmtpReply) => `${reply.code} ${reply.text}`;

describe('refusal reasons', () => {
  let box: CaptureboxProcess;
  const open: SmtpDialog[] = [];

  before(async () => {
    box = await CaptureboxProcess.start({
      env: { CAPTUREBOX_SMTP_MAX_BYTES: String(MAX_BYTES), CAPTUREBOX_SMTP_MAX_DATA_TRANSACTIONS: '1', CAPTUREBOX_SMTP_DATA_TIMEOUT_MS: String(DATA_TIMEOUT_MS) },
    });
  });
  after(async () => {
    open.forEach((dialog) => dialog.close());
    await box?.dispose();
  });

  /** Every rejection reason's count and the failed logins (as `auth_failures`), read from /metrics. */
  async function counts(): Promise<Record<string, number>> {
    const samples = parseSamples(await (await fetch(`${box.baseUrl}/metrics`)).text());
    const found: Record<string, number> = { auth_failures: valueOf(samples, AUTH_FAILURES) };
    for (const sample of samples.filter((s) => s.name === REJECTED)) found[sample.labels.reason] = sample.value;
    return found;
  }

  /** Runs `provoke` and asserts that exactly `expected` moved, by exactly those amounts. */
  async function expectCounted(expected: Record<string, number>, provoke: () => Promise<void>): Promise<void> {
    const before = await counts();
    await provoke();
    const after = await counts();
    const moved = Object.fromEntries(Object.keys(after).flatMap((key) => (after[key] !== (before[key] ?? 0) ? [[key, after[key] - (before[key] ?? 0)]] : [])));
    assert.deepEqual(moved, expected);
  }

  async function plain(): Promise<SmtpDialog> {
    const { dialog } = await SmtpDialog.open(box.smtpPort);
    open.push(dialog);
    expectCode(await dialog.command('EHLO e2e.test'), 250);
    return dialog;
  }

  async function loggedIn(): Promise<SmtpDialog> {
    const { dialog } = await SmtpDialog.open(box.smtpPort);
    open.push(dialog);
    await dialog.secureLogin(ADMIN_USER, ADMIN_API_KEY);
    return dialog;
  }

  async function inData(dialog: SmtpDialog, to: string): Promise<void> {
    expectCode(await dialog.command('MAIL FROM:<sender@example.com>'), 250);
    expectCode(await dialog.command(`RCPT TO:<${to}>`), 250);
    expectCode(await dialog.command('DATA'), 354);
  }

  test('every reason the README names, and only those, is exported at 0 before anything was refused', async () => {
    const found = await counts();
    assert.deepEqual(Object.keys(found).filter((key) => key !== 'auth_failures').sort(), reasonsInReadme().sort());
    assert.ok(Object.values(found).every((value) => value === 0), JSON.stringify(found));
  });

  test('MAIL FROM on a plain session (ours) and before AUTH on an encrypted one (smtp-server’s): auth_required', async () => {
    await expectCounted({ auth_required: 2 }, async () => {
      const dialog = await plain();
      assert.equal(line(await dialog.command('MAIL FROM:<a@example.com>')), '530 5.7.0 Authentication required: STARTTLS, then AUTH with your username and API key');
      expectCode(await dialog.command('STARTTLS'), 220);
      await dialog.upgradeToTls();
      expectCode(await dialog.command('EHLO e2e.test'), 250);
      expectCode(await dialog.command('MAIL FROM:<a@example.com>'), 530);
    });
  });

  test('AUTH before STARTTLS: starttls_required', async () => {
    await expectCounted({ starttls_required: 1 }, async () => {
      const dialog = await plain();
      assert.equal(line(await dialog.login(ADMIN_USER, ADMIN_API_KEY)), '530 5.7.0 Must issue a STARTTLS command first');
    });
  });

  test('a wrong key is a failed login, not a refused message', async () => {
    await expectCounted({ auth_failures: 1 }, async () => {
      const { dialog } = await SmtpDialog.open(box.smtpPort);
      open.push(dialog);
      expectCode(await dialog.command('EHLO e2e.test'), 250);
      expectCode(await dialog.command('STARTTLS'), 220);
      await dialog.upgradeToTls();
      expectCode(await dialog.command('EHLO e2e.test'), 250);
      assert.equal(line(await dialog.login(ADMIN_USER, 'cbx_wrong_key_xxxxxxxxxxxxxxxx')), '535 5.7.8 Authentication credentials invalid');
    });
  });

  test('envelope addresses: bad_sender, bad_recipient, and smtp-server’s own 501 as syntax', async () => {
    await expectCounted({ bad_sender: 1, bad_recipient: 1, syntax: 1 }, async () => {
      const dialog = await loggedIn();
      assert.equal(line(await dialog.command(`MAIL FROM:<${TOO_LONG_LOCAL_PART}@example.com>`)), '553 5.1.7 Sender address is not a valid mailbox');
      expectCode(await dialog.command('MAIL FROM:bare@example.com'), 501);
      expectCode(await dialog.command('MAIL FROM:<ok@example.com>'), 250);
      assert.equal(line(await dialog.command(`RCPT TO:<${TOO_LONG_LOCAL_PART}@example.com>`)), '553 5.1.3 Recipient address is not a valid mailbox');
    });
  });

  test('the 101st recipient of one message: too_many_recipients', async () => {
    await expectCounted({ too_many_recipients: 1 }, async () => {
      const dialog = await loggedIn();
      expectCode(await dialog.command('MAIL FROM:<ok@example.com>'), 250);
      for (let n = 0; n < 100; n++) expectCode(await dialog.command(`RCPT TO:<r${n}@many.test>`), 250);
      assert.equal(line(await dialog.command('RCPT TO:<r100@many.test>')), '452 4.5.3 Too many recipients');
    });
  });

  test('too big by SIZE= (smtp-server’s), past the SIZE declared (ours), past the limit undeclared (ours): message_too_big, once each', async () => {
    await expectCounted({ message_too_big: 3 }, async () => {
      const dialog = await loggedIn();
      expectCode(await dialog.command(`MAIL FROM:<a@example.com> SIZE=${MAX_BYTES * 2}`), 552);
      expectCode(await dialog.command('MAIL FROM:<a@example.com> SIZE=200'), 250);
      expectCode(await dialog.command('RCPT TO:<big@size.test>'), 250);
      expectCode(await dialog.command('DATA'), 354);
      dialog.write(`Subject: bigger than declared\r\n\r\n${'x'.repeat(5000)}\r\n.\r\n`);
      assert.equal(line(await dialog.reply()), '552 5.3.4 Message exceeds the maximum size');
      assert.equal((await dialog.sendMessage('a@example.com', 'big@size.test', `Subject: big\n\n${'y'.repeat(MAX_BYTES * 2)}`)).code, 552);
    });
  });

  test('private mail past the owning account’s messageLimit: mailbox_full, not too_many_recipients', async () => {
    const created = await box.api('/api/admin/accounts', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'erin', messageLimit: 1 }) });
    assert.equal(created.status, 201, await created.clone().text());
    const { apiKey } = (await created.json()) as { apiKey: string };
    assert.equal((await box.api('/api/addresses/full@erin.test', { method: 'POST', key: apiKey })).status, 200);
    await expectCounted({ mailbox_full: 1 }, async () => {
      const dialog = await loggedIn();
      expectCode(await dialog.sendMessage('a@example.com', 'full@erin.test', 'Subject: fits\n\nfits'), 250);
      assert.equal(line(await dialog.sendMessage('a@example.com', 'full@erin.test', 'Subject: one too many\n\nover')), "452 4.2.2 Mailbox full: the owning account's message limit is reached");
    });
  });

  test('DATA trickled past its deadline: data_timeout', async () => {
    await expectCounted({ data_timeout: 1 }, async () => {
      const dialog = await loggedIn();
      await inData(dialog, 'slow@timeout.test');
      const trickle = setInterval(() => dialog.write('x'), 300);
      try {
        assert.equal(line(await dialog.reply(DATA_TIMEOUT_MS * 4)), '451 4.4.2 DATA took too long, try again later');
      } finally {
        clearInterval(trickle);
      }
    });
  });

  test('a stalled store: the message being stored gets store_unavailable, the one waiting for its turn meanwhile busy', async () => {
    const lock = holdWriteLock(join(box.dataDir, 'capturebox.sqlite'));
    assert.equal(await lock.locked, 'locked');
    try {
      await expectCounted({ store_unavailable: 1, busy: 1 }, async () => {
        const storing = await loggedIn();
        await inData(storing, 'stalled@store.test');
        storing.write('Subject: stalled\r\n\r\nwhole\r\n.\r\n');
        const waiting = await loggedIn();
        await inData(waiting, 'waiting@store.test');
        waiting.write('Subject: waiting\r\n\r\nwhole\r\n.\r\n');
        assert.equal(line(await waiting.reply(DATA_TIMEOUT_MS * 4)), '451 4.3.2 Too much mail in progress, try again later');
        assert.equal(line(await storing.reply(15_000)), '451 4.3.0 Storage is temporarily unavailable, try again later');
      });
    } finally {
      await lock.release();
    }
  });

  test('mail that is accepted moves no refusal count', async () => {
    await expectCounted({}, async () => {
      const dialog = await loggedIn();
      expectCode(await dialog.sendMessage('a@example.com', 'fine@ok.test', 'Subject: fine\n\nsmall'), 250);
    });
  });
});
