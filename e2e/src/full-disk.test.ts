// Issue 14, item 6: reads survive a full disk. The data directory is a small tmpfs (this needs root, as
// in CI; the test is skipped where mounting is not allowed). With the disk filled the running process
// reads its mail and /readyz says it cannot take mail; after a restart on the still-full disk every stored
// message reads back; once space frees, /readyz is ready and capture works again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, writeSync, rmSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess, eventually } from './support/capturebox-process';
import { expectCode, SmtpDialog } from './support/smtp-dialog';

const MOUNT_MB = 24;
const MESSAGES = 12;

function mountTmpfs(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'capturebox-full-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${MOUNT_MB}m`, 'tmpfs', dir]);
  if (mounted.status === 0) return dir;
  rmdirSync(dir);
  return null;
}

/** Writes zeros until the file system refuses (ENOSPC), in ever smaller pieces down to one byte. */
function fill(file: string): void {
  const fd = openSync(file, 'w');
  try {
    for (let size = 1024 * 1024; size >= 1; size = Math.floor(size / 2)) {
      const zeros = Buffer.alloc(size);
      for (;;) {
        try {
          if (writeSync(fd, zeros) < size) break;
        } catch {
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

const mount = mountTmpfs();

describe('a full disk', { skip: mount === null ? 'cannot mount a tmpfs here (needs root)' : false }, () => {
  let box: CaptureboxProcess;
  const stored: Array<{ inbox: string; id: string; raw: Buffer }> = [];
  const filler = join(mount ?? '', 'filler');
  before(async () => {
    box = await CaptureboxProcess.start({ dataDir: join(mount!, 'data') });
    const { dialog } = await SmtpDialog.open(box.smtpPort);
    await dialog.secureLogin(ADMIN_USER, ADMIN_API_KEY);
    for (let n = 0; n < MESSAGES; n++) {
      const inbox = `full-${n % 3}@disk.test`;
      const reply = expectCode(await dialog.sendMessage('sender@example.com', inbox, `Subject: kept ${n}\r\n\r\nbody ${n} ${'x'.repeat(20_000)}`), 250);
      stored.push({ inbox, id: `${/queued as (\S+)$/.exec(reply.text)![1]}-0`, raw: Buffer.alloc(0) });
    }
    dialog.close();
    for (const message of stored) message.raw = Buffer.from(await (await box.api(`/api/raw/${message.inbox}/${message.id}`)).arrayBuffer());
  });
  after(async () => {
    await box?.dispose();
    if (mount) {
      spawnSync('umount', [mount]);
      rmSync(mount, { recursive: true, force: true });
    }
  });

  async function readsEverything(): Promise<void> {
    for (const { inbox, id, raw } of stored) {
      const response = await box.api(`/api/raw/${inbox}/${id}`);
      assert.equal(response.status, 200, `${inbox} ${id}: ${response.status}`);
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), raw);
    }
    for (const inbox of new Set(stored.map((message) => message.inbox))) {
      const listed = (await (await box.api(`/api/addresses/${inbox}/messages?limit=100`)).json()) as unknown[];
      assert.equal(listed.length, stored.filter((message) => message.inbox === inbox).length);
    }
  }

  test('while the disk is full the running process reads its mail and is not ready', async () => {
    fill(filler);
    await readsEverything();
    assert.equal((await fetch(`${box.baseUrl}/readyz`)).status, 503, 'it cannot take mail');
  });

  test('after a clean restart on the full disk every stored message reads back, and /readyz stays truthful', async () => {
    await box.stop();
    fill(`${filler}-2`); // whatever the shutdown gave back
    await box.restart();
    await readsEverything();
    assert.equal((await fetch(`${box.baseUrl}/readyz`)).status, 503);
    rmSync(filler);
    rmSync(`${filler}-2`);
    await eventually(async () => ((await fetch(`${box.baseUrl}/readyz`)).status === 200 ? true : undefined), 10_000);
    const { dialog } = await SmtpDialog.open(box.smtpPort);
    await dialog.secureLogin(ADMIN_USER, ADMIN_API_KEY);
    expectCode(await dialog.sendMessage('sender@example.com', 'after@disk.test', 'Subject: room again\r\n\r\nhello'), 250);
    dialog.close();
  });
});
