// Debian's spamd (SpamAssassin), started for a test on a free loopback port and stopped by its pid. Installed by
// scripts/ensure-test-tools.sh (apt: spamassassin, spamd). Local tests only (-L: no DNS or network rules, so
// scores do not depend on the outside world), no per-user config (-x), as `nobody` when run as root.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SPAMD = '/usr/sbin/spamd';
const START_TIMEOUT_MS = 60_000;

export class SpamdServer {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly exited: Promise<void>,
  ) {}

  get url(): string {
    return `spamd://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<SpamdServer> {
    if (!existsSync(SPAMD)) throw new Error(`${SPAMD} is missing: run scripts/ensure-test-tools.sh (apt-get install spamassassin spamd)`);
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'capturebox-spamd-'));
    const pidFile = join(dir, 'spamd.pid');
    const asRoot = process.getuid?.() === 0 ? ['--username=nobody'] : [];
    const child = spawn(SPAMD, [`--listen=127.0.0.1:${port}`, '-x', '-L', '--max-children=2', `--pidfile=${pidFile}`, ...asRoot], { stdio: ['ignore', 'ignore', 'pipe'] });
    const output: string[] = [];
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const server = new SpamdServer(port, child, dir, exited);
    const deadline = Date.now() + START_TIMEOUT_MS;
    // Ready when its pid file is written and it takes connections (its children are forked by then).
    while (!(existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '' && (await accepts(port)))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await server.stop();
        throw new Error(`spamd did not start:\n${output.join('')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return server;
  }

  /** SIGTERM to spamd's parent (it ends its children), then wait for it. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      await this.exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
