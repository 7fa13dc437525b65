// A second `make run` is ready in seconds: with nothing changed it installs nothing, builds nothing (dist/
// stays as it was, file for file) and starts the service, on 127.0.0.1 by default. Run through the real
// make, npm and node, on free ports and a data directory of its own.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const REPO_ROOT = resolve(__dirname, '../..');
const DIST = join(REPO_ROOT, 'apps', 'capture', 'dist');
/** What issue 15 asks of a second run; it takes 2 to 3 s on the two-core CI machine, even when it is busy. */
const SECOND_RUN_READY_MS = 15_000;

describe('make run, a second time', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'capturebox-make-run-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('is ready in under 15 s, rebuilds nothing and listens on 127.0.0.1', async () => {
    // An install would make this a first run, and rewrite node_modules under the other tests.
    const installed = spawnSync('make', ['-q', 'node_modules/.package-lock.json'], { cwd: REPO_ROOT });
    assert.equal(installed.status, 0, 'node_modules is older than the lockfile: run `make install` first');
    const first = spawnSync('make', ['build-app'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(first.status, 0, `the first build failed:\n${first.stdout}\n${first.stderr}`);
    const before = modificationTimes(DIST);

    const env: NodeJS.ProcessEnv = { ...process.env, CAPTUREBOX_DATA_DIR: dataDir, CAPTUREBOX_SMTP_PORT: '0', CAPTUREBOX_HTTP_PORT: '0' };
    delete env.CAPTUREBOX_BIND;
    const started = Date.now();
    // Its own process group (make, npm, the service), so that it is stopped as a whole and only it is.
    const make = spawn('make', ['run'], { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    createInterface({ input: make.stderr! }).on('line', (line) => output.push(line));
    const exited = new Promise<void>((resolveExit) => make.once('exit', () => resolveExit()));
    try {
      const ready = await new Promise<Record<string, unknown>>((resolveReady, rejectReady) => {
        const timer = setTimeout(() => rejectReady(new Error(`make run not ready in 60 s:\n${output.join('\n')}`)), 60_000);
        make.once('exit', (code) => rejectReady(new Error(`make run exited with ${code}:\n${output.join('\n')}`)));
        createInterface({ input: make.stdout! }).on('line', (line) => {
          output.push(line);
          if (!line.includes('"capturebox ready')) return;
          clearTimeout(timer);
          resolveReady(JSON.parse(line) as Record<string, unknown>);
        });
      });
      const elapsed = Date.now() - started;
      console.log(`second make run ready after ${elapsed} ms`);
      assert.ok(elapsed < SECOND_RUN_READY_MS, `ready after ${elapsed} ms:\n${output.join('\n')}`);
      assert.equal(ready.bind, '127.0.0.1');
      assert.deepEqual(changedSince(before, modificationTimes(DIST)), [], `make run rebuilt:\n${output.join('\n')}`);
    } finally {
      if (signalGroup(make.pid!, 'SIGTERM')) await exited;
      signalGroup(make.pid!, 'SIGKILL'); // anything of the group still there after make went
    }
  });
});

/** Signals the process group led by `pid`; false when none of it is left. */
function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Every file under `dir` with its modification time. */
function modificationTimes(dir: string): Map<string, number> {
  const times = new Map<string, number>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    times.set(file, statSync(file).mtimeMs);
  }
  return times;
}

function changedSince(before: Map<string, number>, now: Map<string, number>): string[] {
  const files = new Set([...before.keys(), ...now.keys()]);
  return [...files].filter((file) => before.get(file) !== now.get(file)).sort();
}
