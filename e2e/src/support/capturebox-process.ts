// Starts the built Capturebox service as a real child process on free loopback ports, with its own data
// directory, and stops it by its pid. Tests talk to it only over sockets.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const MAIN = resolve(__dirname, '../../../apps/capture/dist/main.js');
const START_TIMEOUT_MS = 30_000;
export const ADMIN_USER = 'admin';
export const ADMIN_API_KEY = 'cbx_e2e_admin_key_0123456789abcdef';

export interface CaptureboxOptions {
  env?: Record<string, string>;
  /** Reuse a data directory (to test restarts); a fresh temp dir otherwise. */
  dataDir?: string;
  /** Variables of the test defaults not to set, so the service's own defaults apply (its ports, a generated admin key). */
  unset?: string[];
}

export class CaptureboxProcess {
  smtpPort = 0;
  httpPort = 0;
  readonly output: string[] = [];
  private child: ChildProcess | null = null;
  private exitPromise: Promise<number | null> | null = null;

  private constructor(readonly dataDir: string, private readonly ownsDataDir: boolean, private readonly env: Record<string, string>, private readonly unset: string[]) {}

  static async start(options: CaptureboxOptions = {}): Promise<CaptureboxProcess> {
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'capturebox-e2e-'));
    const instance = new CaptureboxProcess(dataDir, !options.dataDir, options.env ?? {}, options.unset ?? []);
    await instance.spawn();
    return instance;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The environment the service runs with: free ports and a known admin key unless told otherwise. */
  get serviceEnv(): Record<string, string> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      CAPTUREBOX_BIND: '127.0.0.1',
      CAPTUREBOX_SMTP_PORT: '0',
      CAPTUREBOX_HTTP_PORT: '0',
      CAPTUREBOX_DATA_DIR: this.dataDir,
      CAPTUREBOX_ADMIN_USER: ADMIN_USER,
      CAPTUREBOX_ADMIN_API_KEY: ADMIN_API_KEY,
      CAPTUREBOX_LOG_LEVEL: 'info',
      ...this.env,
    };
    for (const name of this.unset) delete env[name];
    return env;
  }

  private spawn(): Promise<void> {
    const child = spawn(process.execPath, ['--enable-source-maps', MAIN], {
      env: this.serviceEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exitPromise = new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    createInterface({ input: child.stderr! }).on('line', (line) => this.output.push(line));
    return new Promise((resolveStart, rejectStart) => {
      const timer = setTimeout(() => rejectStart(new Error(`capturebox did not start in time:\n${this.output.join('\n')}`)), START_TIMEOUT_MS);
      child.once('exit', (code) => {
        clearTimeout(timer);
        rejectStart(new Error(`capturebox exited with ${code} during start:\n${this.output.join('\n')}`));
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        this.output.push(line);
        const ready = parseReadyLine(line);
        if (ready) {
          this.smtpPort = ready.smtpPort;
          this.httpPort = ready.httpPort;
          clearTimeout(timer);
          resolveStart();
        }
      });
    });
  }

  /** Sends a signal without waiting; `exited` resolves with the exit code. */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  get exited(): Promise<number | null> {
    return this.exitPromise ?? Promise.resolve(null);
  }

  /** Parses the ready line's fields (ports and settings) from the last start. */
  get readyLine(): Record<string, unknown> {
    const line = [...this.output].reverse().find((entry) => parseReadyLine(entry) !== null);
    return line ? (JSON.parse(line) as Record<string, unknown>) : {};
  }

  /** SIGTERM and wait for exit; returns the exit code. */
  async stop(): Promise<number | null> {
    if (!this.child || !this.running) return this.child?.exitCode ?? null;
    this.child.kill('SIGTERM');
    const code = await this.exitPromise;
    return code;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.spawn();
  }

  async dispose(): Promise<void> {
    if (this.running) {
      this.child!.kill('SIGKILL');
      await this.exitPromise;
    }
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** GET/PUT/DELETE a JSON API route with the admin key unless told otherwise. */
  async api(path: string, init: RequestInit & { key?: string | null } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const key = init.key === undefined ? ADMIN_API_KEY : init.key;
    if (key) headers.set('Mailsac-Key', key);
    return fetch(`${this.baseUrl}${path}`, { ...init, headers });
  }
}

function parseReadyLine(line: string): { smtpPort: number; httpPort: number } | null {
  if (!line.startsWith('{')) return null;
  try {
    const entry = JSON.parse(line) as { msg?: string; smtpPort?: number; httpPort?: number };
    if (entry.msg?.startsWith('capturebox ready') && entry.smtpPort && entry.httpPort) return { smtpPort: entry.smtpPort, httpPort: entry.httpPort };
  } catch {
    // not a JSON log line
  }
  return null;
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
