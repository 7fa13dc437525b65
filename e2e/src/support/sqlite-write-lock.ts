// Another process holding SQLite's write lock (e2e/clients/hold_sqlite_write_lock.py): a real store fault,
// without mocks. Capturebox's writes wait for their busy timeout (5 s) and then fail as "unavailable".
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

export function holdWriteLock(databaseFile: string): { locked: Promise<string>; release(): Promise<void> } {
  const child = spawn('python3', [resolve(__dirname, '../../clients/hold_sqlite_write_lock.py'), databaseFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const next = () => new Promise<string>((r) => lines.once('line', r));
  return {
    locked: next(),
    async release(): Promise<void> {
      const released = next();
      child.stdin!.end('\n');
      assert.equal(await released, 'released');
    },
  };
}
