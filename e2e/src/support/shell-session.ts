// One long-lived bash, as a reader's terminal: scripts run in it one after another, so a variable one of
// them sets (or exports) is there for the next. Each script's output is captured apart, and every command
// in it that fails is counted (an ERR trap), not only the last one, whose status `source` would return.
// (The session's own stderr is dropped: there the trap reports only the `source` of a failed script again.)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ScriptResult {
  status: number;
  /** Commands in the script that failed (their text and status), in order. */
  failedCommands: string[];
  stdout: string;
  stderr: string;
}

const DONE = /^__script_done (\d+) (\d+)$/;
const FAILED_PREFIX = '__command_failed ';

export class ShellSession {
  /** A scratch directory of the session's own, for files the scripts use. */
  readonly scratchDir = mkdtempSync(join(tmpdir(), 'capturebox-shell-'));
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private readonly waiting = new Map<number, (status: number) => void>();
  private count = 0;

  constructor(cwd: string, env: Record<string, string>) {
    this.child = spawn('bash', ['--noprofile', '--norc'], { cwd, env, stdio: ['pipe', 'pipe', 'ignore'] });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', () => {
        // A script that ran `exit` ended the session: whatever waits gets the shell's end as its status.
        for (const finish of this.waiting.values()) finish(this.child.exitCode ?? 128);
        resolve();
      }),
    );
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const done = DONE.exec(line);
      if (done) this.waiting.get(Number(done[1]))?.(Number(done[2]));
    });
    this.child.stdin!.write(`trap 'echo "${FAILED_PREFIX}($?) $BASH_COMMAND" >&2' ERR\n`);
  }

  /** Runs `script` in the session (sourced, so it shares the shell's variables) and waits for it. */
  async run(script: string, timeoutMs = 60_000): Promise<ScriptResult> {
    const n = ++this.count;
    const file = (suffix: string) => join(this.scratchDir, `script-${n}.${suffix}`);
    writeFileSync(file('sh'), `${script}\n`);
    const status = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`script ${n} did not finish in ${timeoutMs} ms:\n${script}`)), timeoutMs);
      this.waiting.set(n, (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    this.child.stdin!.write(`source '${file('sh')}' >'${file('out')}' 2>'${file('err')}' </dev/null; echo "__script_done ${n} $?"\n`);
    const code = await status;
    const stderr = readFileSync(file('err'), 'utf8');
    const failedCommands = stderr.split('\n').filter((line) => line.startsWith(FAILED_PREFIX)).map((line) => line.slice(FAILED_PREFIX.length));
    return { status: code, failedCommands, stdout: readFileSync(file('out'), 'utf8'), stderr };
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin!.end('exit\n');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.scratchDir, { recursive: true, force: true });
  }
}
