// The servers under test, each started fresh on free loopback ports with its own data directory, taking
// the same load: plain SMTP without AUTH (no TLS: none of them needs it), persistent storage.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  freePort,
  httpGet,
  httpGetJson,
  readLogTail,
  rememberStarted,
  forgetStarted,
  smtpGreets,
  spawnServer,
  stopServer,
  waitUntil,
} from './processes';
import { inboxAddress, laterInSameLoad, type Probe } from './smtp-load';

export type TargetId = 'capturebox-sqlite' | 'capturebox-mongo' | 'maildev' | 'mailpit';

export interface TargetInfo {
  id: TargetId;
  label: string;
  version: string;
  /** How it runs here, for the report: store, durability, settings that differ from its defaults. */
  notes: string[];
}

export interface RunningTarget {
  smtpPort: number;
  httpPort: number;
  /** The server process: peak RSS and CPU time are read from it. */
  pid: number;
  /** performance.now() when it was spawned (a CPU profile starts about then). */
  spawnedAt: number;
  /** Processes it needs besides (FerretDB for Capturebox on MongoDB), reported separately. */
  helpers: { name: string; pid: number }[];
  /** Capturebox on MongoDB: the database it stores into (the ceiling is measured on the same server). */
  mongoUri?: string;
  /** Whether the probe's message is listed by the target's API now. */
  isListed(probe: Probe): Promise<boolean>;
  /** One inbox listing (100 newest); resolves with how many messages it returned. */
  listNewest(request: number): Promise<number>;
  logFile: string;
  stop(): Promise<void>;
}

export interface Target {
  info: TargetInfo;
  /** Why it cannot run on this machine, or null. */
  unavailable: string | null;
  /** `env`: settings of the server beside the benchmark's own (Capturebox only). */
  start(dir: string, options?: { cpuProfDir?: string; env?: NodeJS.ProcessEnv }): Promise<RunningTarget>;
}

export interface ToolPaths {
  maildev?: string;
  maildev_version?: string;
  mailpit?: string;
  mailpit_version?: string;
  ferretdb?: string;
  ferretdb_version?: string;
  /** PostgreSQL's server binaries: FerretDB then runs on its PostgreSQL backend. */
  postgres?: string;
  postgres_version?: string;
}

export const REPO_ROOT = resolve(__dirname, '../..');
const CAPTUREBOX_MAIN = join(REPO_ROOT, 'apps/capture/dist/main.js');
/** The Node flags of `npm start` (and the image's CMD): Capturebox is measured as it is run. */
const CAPTUREBOX_NODE_FLAGS = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } })
  .scripts.start.split(/\s+/)
  .filter((word) => word.startsWith('--'));
const FERRETDB_SCRIPT = join(REPO_ROOT, 'scripts/ferretdb.sh');
const POSTGRES_SCRIPT = join(REPO_ROOT, 'scripts/postgres.sh');
/** The benchmark's admin key (CAPTUREBOX_ADMIN_API_KEY), for runs that set accounts up through the admin API. */
export const BENCH_ADMIN_KEY = 'cbx_bench_admin_key_0123456789abcdef';
export const LIST_LIMIT = 100;

function baseEnv(): NodeJS.ProcessEnv {
  // Only what a server needs: nothing of the caller's CAPTUREBOX_* or MAILDEV_* settings leaks in.
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LANG: 'C.UTF-8' };
}

function captureboxVersion(): string {
  try {
    const sha = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--', 'apps/capture'], { encoding: 'utf8' }).trim();
    return `${require(join(REPO_ROOT, 'apps/capture/package.json')).version} (${sha}${dirty ? '+changes' : ''})`;
  } catch {
    return 'unknown';
  }
}

function capturebox(mongo: boolean, tools: ToolPaths): Target {
  const id: TargetId = mongo ? 'capturebox-mongo' : 'capturebox-sqlite';
  return {
    info: {
      id,
      label: mongo ? 'Capturebox (MongoDB)' : 'Capturebox (SQLite)',
      version: captureboxVersion(),
      notes: mongo
        ? [
            tools.postgres
              ? `CAPTUREBOX_MONGODB_URI on FerretDB ${tools.ferretdb_version ?? '?'} with its PostgreSQL backend (PostgreSQL ${tools.postgres_version ?? '?'}, fsync and synchronous_commit on) started by scripts/ferretdb.sh and scripts/postgres.sh; writes acknowledged before each 250`
              : `CAPTUREBOX_MONGODB_URI on FerretDB ${tools.ferretdb_version ?? '?'} (SQLite backend, synchronous=FULL) started by scripts/ferretdb.sh; writes acknowledged before each 250`,
            "the server's own ceiling: the same documents written again by a driver-only loop with Capturebox's driver settings (bench/src/mongo-ceiling.ts)",
            'CAPTUREBOX_SMTP_AUTH=off for parity (the default is required, inside STARTTLS)',
            'peak RSS and CPU are the Capturebox process; FerretDB (and PostgreSQL\'s postmaster) are reported beside it in the JSON',
          ]
        : [
            'embedded SQLite store (WAL, synchronous=FULL, writes on a writer thread): fsync before each 250',
            `started as \`npm start\` starts it: node ${CAPTUREBOX_NODE_FLAGS.join(' ')}`,
            'CAPTUREBOX_SMTP_AUTH=off for parity (the default is required, inside STARTTLS)',
            'defaults otherwise: log level info (one JSON line per message, to a file), retention 1,000 per inbox',
            'listing = GET /api/addresses/<inbox>/messages?limit=100; finding one message = the same for its recipient',
          ],
    },
    unavailable: mongo && !tools.ferretdb ? 'FerretDB is not installed (needs the Go toolchain)' : null,
    async start(dir, options = {}) {
      mkdirSync(dir, { recursive: true });
      const [smtpPort, httpPort] = [await freePort(), await freePort()];
      const helpers: { name: string; pid: number }[] = [];
      const env: NodeJS.ProcessEnv = {
        ...baseEnv(),
        CAPTUREBOX_BIND: '127.0.0.1',
        CAPTUREBOX_SMTP_PORT: String(smtpPort),
        CAPTUREBOX_HTTP_PORT: String(httpPort),
        CAPTUREBOX_DATA_DIR: join(dir, 'data'),
        CAPTUREBOX_SMTP_AUTH: 'off',
        CAPTUREBOX_SMTP_HOSTNAME: 'localhost',
        CAPTUREBOX_ADMIN_API_KEY: BENCH_ADMIN_KEY,
        ...options.env,
      };
      let ferretPid: number | null = null;
      let postgresDir: string | null = null;
      const stopPostgres = () => {
        if (postgresDir === null) return;
        execFileSync(POSTGRES_SCRIPT, ['stop', postgresDir]);
        rmSync(postgresDir, { recursive: true, force: true });
        postgresDir = null;
      };
      if (mongo) {
        const mongoPort = await freePort();
        const ferretEnv: NodeJS.ProcessEnv = { ...process.env };
        if (tools.postgres) {
          // Its own directory under /tmp: PostgreSQL runs as a non-root user, who cannot enter private dirs.
          postgresDir = mkdtempSync(join(tmpdir(), 'capturebox-bench-pg-'));
          chmodSync(postgresDir, 0o755);
          const pgDir = postgresDir;
          ferretEnv.FERRETDB_POSTGRESQL_URL = execFileSync(POSTGRES_SCRIPT, ['start', String(await freePort()), join(pgDir, 'cluster')], { encoding: 'utf8' }).trim();
          const postmaster = Number(readFileSync(join(pgDir, 'cluster', 'postmaster.pid'), 'utf8').split('\n')[0]);
          rememberStarted(postmaster, stopPostgres);
          helpers.push({ name: 'postgres', pid: postmaster });
        }
        ferretPid = Number(execFileSync(FERRETDB_SCRIPT, ['start', String(mongoPort), join(dir, 'ferretdb')], { encoding: 'utf8', env: ferretEnv }).trim());
        const pid = ferretPid;
        rememberStarted(pid, () => execFileSync(FERRETDB_SCRIPT, ['stop', String(pid)]));
        helpers.push({ name: 'ferretdb', pid });
        env.CAPTUREBOX_MONGODB_URI = `mongodb://127.0.0.1:${mongoPort}/capturebox`;
      }
      const nodeArgs = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
      const logFile = join(dir, 'capturebox.log');
      const server = spawnServer(process.execPath, [...CAPTUREBOX_NODE_FLAGS, ...nodeArgs, CAPTUREBOX_MAIN], { env, cwd: dir, logFile });
      const base = `http://127.0.0.1:${httpPort}`;
      const stopAll = async () => {
        await stopServer(server);
        if (ferretPid !== null) {
          execFileSync(FERRETDB_SCRIPT, ['stop', String(ferretPid)]);
          forgetStarted(ferretPid);
        }
        const postmaster = helpers.find((helper) => helper.name === 'postgres')?.pid;
        stopPostgres();
        if (postmaster !== undefined) forgetStarted(postmaster);
      };
      try {
        await waitUntil(id, async () => (await httpGet(`${base}/readyz`, 2000)).status === 200 && (await smtpGreets(smtpPort)), server);
      } catch (error) {
        await stopAll();
        throw new Error(`${(error as Error).message}\n${readLogTail(logFile)}`);
      }
      return {
        smtpPort,
        httpPort,
        pid: server.pid,
        spawnedAt: server.spawnedAt,
        helpers,
        logFile,
        mongoUri: env.CAPTUREBOX_MONGODB_URI,
        async isListed(probe) {
          const list = await httpGetJson<unknown[]>(`${base}/api/addresses/${encodeURIComponent(probe.recipient)}/messages?limit=1`);
          return list.length > 0;
        },
        async listNewest(request) {
          const inbox = inboxAddress(request);
          const list = await httpGetJson<unknown[]>(`${base}/api/addresses/${encodeURIComponent(inbox)}/messages?limit=${LIST_LIMIT}`);
          return list.length;
        },
        stop: stopAll,
      };
    },
  };
}

function maildev(tools: ToolPaths): Target {
  return {
    info: {
      id: 'maildev',
      label: 'MailDev',
      version: tools.maildev_version ?? 'not installed',
      notes: [
        'persistent mode (--mail-directory): one .eml plus a JSON file per message, written without fsync',
        'no SMTP auth configured (its default): accepts any mail',
        'listing = GET /api/email/summary?limit=100 (newest first, what its web UI pages through); finding one message = GET /api/email?to.address=<recipient>',
      ],
    },
    unavailable: tools.maildev ? null : 'maildev is not installed',
    async start(dir) {
      mkdirSync(join(dir, 'mail'), { recursive: true });
      const [smtpPort, httpPort] = [await freePort(), await freePort()];
      const logFile = join(dir, 'maildev.log');
      const server = spawnServer(
        process.execPath,
        [tools.maildev!, '--smtp', String(smtpPort), '--ip', '127.0.0.1', '--web', String(httpPort), '--web-ip', '127.0.0.1', '--mail-directory', join(dir, 'mail')],
        // cwd: MailDev reads configuration files from its working directory and its parents; this one has none.
        { env: baseEnv(), cwd: dir, logFile },
      );
      const base = `http://127.0.0.1:${httpPort}`;
      try {
        await waitUntil('maildev', async () => (await httpGet(`${base}/api/healthz`, 2000)).status === 200 && (await smtpGreets(smtpPort)), server);
      } catch (error) {
        await stopServer(server);
        throw new Error(`${(error as Error).message}\n${readLogTail(logFile)}`);
      }
      return {
        smtpPort,
        httpPort,
        pid: server.pid,
        spawnedAt: server.spawnedAt,
        helpers: [],
        logFile,
        async isListed(probe) {
          // Its newest-first page orders by whole seconds (arrival order within one second), so the newest
          // message is often not on it: a test finds its mail with the /email filter, as here.
          const found = await httpGetJson<unknown[]>(`${base}/api/email?to.address=${encodeURIComponent(probe.recipient)}`);
          return found.length > 0;
        },
        async listNewest() {
          const page = await httpGetJson<{ items: unknown[] }>(`${base}/api/email/summary?limit=${LIST_LIMIT}`);
          return page.items.length;
        },
        stop: async () => void (await stopServer(server)),
      };
    },
  };
}

function mailpit(tools: ToolPaths): Target {
  return {
    info: {
      id: 'mailpit',
      label: 'Mailpit',
      version: tools.mailpit_version ?? 'not installed',
      notes: [
        'persistent --database file (SQLite WAL, synchronous=NORMAL: no fsync per message)',
        '--smtp-auth-accept-any --smtp-auth-allow-insecure (any login or none), --smtp-disable-rdns, --max 0 (its default keeps only 500 messages), --disable-version-check',
        'listing = GET /api/v1/messages?limit=100 (newest first); finding one message = on that page, else GET /api/v1/search?query=subject:"…" once it is full of later messages',
      ],
    },
    unavailable: tools.mailpit ? null : 'mailpit is not installed (needs the Go toolchain)',
    async start(dir) {
      mkdirSync(dir, { recursive: true });
      const [smtpPort, httpPort] = [await freePort(), await freePort()];
      const logFile = join(dir, 'mailpit.log');
      const server = spawnServer(
        tools.mailpit!,
        [
          '--smtp', `127.0.0.1:${smtpPort}`,
          '--listen', `127.0.0.1:${httpPort}`,
          '--database', join(dir, 'mailpit.db'),
          '--smtp-auth-accept-any',
          '--smtp-auth-allow-insecure',
          '--smtp-disable-rdns',
          '--max', '0',
          '--disable-version-check',
          '--quiet',
        ],
        { env: baseEnv(), cwd: dir, logFile },
      );
      const base = `http://127.0.0.1:${httpPort}`;
      try {
        await waitUntil('mailpit', async () => (await httpGet(`${base}/readyz`, 2000)).status === 200 && (await smtpGreets(smtpPort)), server);
      } catch (error) {
        await stopServer(server);
        throw new Error(`${(error as Error).message}\n${readLogTail(logFile)}`);
      }
      return {
        smtpPort,
        httpPort,
        pid: server.pid,
        spawnedAt: server.spawnedAt,
        helpers: [],
        logFile,
        async isListed(probe) {
          // The newest-first page is cheap (its search scans every message and counts all matches, which
          // would slow the ingest being measured). Only when the page is full of later messages of the same
          // load, so that the probe may have been listed and pushed off it already, ask the search.
          const page = await httpGetJson<{ messages: { Subject: string }[] }>(`${base}/api/v1/messages?limit=${LIST_LIMIT}`);
          const subject = `bench ${probe.token}`;
          if (page.messages.some((message) => message.Subject === subject)) return true;
          const later = page.messages.filter((message) => laterInSameLoad(message.Subject.slice('bench '.length), probe));
          if (page.messages.length < LIST_LIMIT || later.length < page.messages.length) return false;
          const query = encodeURIComponent(`subject:"${subject}"`);
          const found = await httpGetJson<{ messages: unknown[] }>(`${base}/api/v1/search?query=${query}&limit=1`);
          return found.messages.length > 0;
        },
        async listNewest() {
          const page = await httpGetJson<{ messages: unknown[] }>(`${base}/api/v1/messages?limit=${LIST_LIMIT}`);
          return page.messages.length;
        },
        stop: async () => void (await stopServer(server)),
      };
    },
  };
}

export function allTargets(tools: ToolPaths): Target[] {
  return [capturebox(false, tools), capturebox(true, tools), maildev(tools), mailpit(tools)];
}
