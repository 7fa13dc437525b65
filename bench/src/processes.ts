// The server processes the benchmark starts: free loopback ports, readiness, peak RSS and CPU time from
// /proc, and stopping by pid. Every pid started here is remembered, so that an aborted run still stops
// exactly those processes and nothing else.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { connect, createServer } from 'node:net';

/** Processes started by this run and how to stop each; emptied as they stop. */
const started = new Map<number, () => void>();

export function rememberStarted(pid: number, stopNow: () => void): void {
  started.set(pid, stopNow);
}

export function forgetStarted(pid: number): void {
  started.delete(pid);
}

/** Last resort when the run is aborted: stops every process this run started, by pid. */
export function stopAllStartedNow(): void {
  for (const [pid, stopNow] of [...started]) {
    try {
      stopNow();
    } catch {
      // already gone
    }
    started.delete(pid);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Spawned {
  child: ChildProcess;
  pid: number;
  /** performance.now() just before the spawn. */
  spawnedAt: number;
  exited: Promise<number | null>;
}

/** Starts a server with its output appended to `logFile` (never piped through this process). */
export function spawnServer(command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string }): Spawned {
  const log = openSync(options.logFile, 'a');
  const spawnedAt = performance.now();
  const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', log, log] });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      forgetStarted(pid);
      resolve(code ?? (signal ? 128 : null));
    });
  });
  rememberStarted(pid, () => child.kill('SIGKILL'));
  return { child, pid, spawnedAt, exited };
}

/** SIGTERM, wait up to `graceMs` for the exit, then SIGKILL. Only ever the given child. */
export async function stopServer(spawned: Spawned, graceMs = 30_000): Promise<number | null> {
  if (spawned.child.exitCode !== null || spawned.child.signalCode !== null) return spawned.child.exitCode;
  spawned.child.kill('SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
  const outcome = await Promise.race([spawned.exited, timer]);
  if (outcome !== 'timeout') return outcome;
  spawned.child.kill('SIGKILL');
  return spawned.exited;
}

export function readLogTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Waits until `check` resolves true, the process exits, or the time is up. */
export async function waitUntil(what: string, check: () => Promise<boolean>, spawned: Spawned | null, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawned && (spawned.child.exitCode !== null || spawned.child.signalCode !== null)) throw new Error(`${what}: the process exited during start`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready within ${timeoutMs / 1000}s`);
    await sleep(100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Peak resident set size (VmHWM) in bytes, or null when the process is gone. */
export function peakRssBytes(pid: number): number | null {
  return statusBytes(pid, 'VmHWM');
}

/** Resident set size now (VmRSS) in bytes, or null when the process is gone. */
export function rssBytes(pid: number): number | null {
  return statusBytes(pid, 'VmRSS');
}

function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

let clockTicks: number | null = null;

/** User + system CPU seconds the process has used so far, or null when it is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state = field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return null;
  }
}

/**
 * CPU seconds of the process and of its children, live (read from /proc) and exited (reaped): PostgreSQL's
 * work is done by one backend process per connection, not by the postmaster itself.
 */
export function treeCpuSeconds(pid: number): number | null {
  const own = cpuSeconds(pid);
  if (own === null) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const reaped = (Number(fields[13]) + Number(fields[14])) / clockTicks!;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    return own + reaped + children.reduce((sum, child) => sum + (cpuSeconds(child) ?? 0), 0);
  } catch {
    return own;
  }
}

// HTTP to the targets' APIs: one keep-alive socket per target, loopback only.
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

export interface HttpResult {
  status: number;
  body: string;
}

export function httpGet(url: string, timeoutMs = 30_000): Promise<HttpResult> {
  if (!url.startsWith('http://127.0.0.1:')) throw new Error(`the benchmark only talks to loopback: ${url}`);
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: 'GET', timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

export async function httpGetJson<T>(url: string, timeoutMs?: number): Promise<T> {
  const res = await httpGet(url, timeoutMs);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${res.body.slice(0, 200)}`);
  return JSON.parse(res.body) as T;
}

/** True when something accepts TCP connections on the port and says 220 first. */
export function smtpGreets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (chunk: Buffer) => done(chunk.toString('latin1').startsWith('220')));
  });
}
