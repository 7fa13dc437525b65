// Test-only: the MongoDB-wire server that Mongo tests run against. CAPTUREBOX_TEST_MONGODB_URI when set
// (any real MongoDB), else a FerretDB v1 started here through scripts/ferretdb.sh on a free port with a
// temporary data directory. The binary is installed beforehand by the test-tools step; when it is missing,
// start() fails with the script's message rather than skipping, since a store never proven is no store.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';

const run = promisify(execFile);

/** From apps/capture/{src,dist}/store to the repository root. */
const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');
const FERRETDB_SCRIPT = join(REPO_ROOT, 'scripts', 'ferretdb.sh');

export const TEST_MONGODB_URI_VARIABLE = 'CAPTUREBOX_TEST_MONGODB_URI';

export interface MongoTestServer {
  /** 'ferretdb' when this process manages the server (and may stop it), 'external' otherwise. */
  readonly kind: 'ferretdb' | 'external';
  /** FerretDB's data directory (one `<database>.sqlite` per database); null for an external server. */
  readonly dataDir: string | null;
  /** The server's URI with the given database as its path. */
  uri(database: string): string;
  /** Stops the server, keeping its data (managed FerretDB only). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory (managed FerretDB only). */
  restart(): Promise<void>;
  /** Stops the server and removes its data (a no-op for an external server). */
  dispose(): Promise<void>;
}

export async function startMongoTestServer(): Promise<MongoTestServer> {
  const external = process.env[TEST_MONGODB_URI_VARIABLE];
  return external ? new ExternalServer(external) : ManagedFerretDb.start();
}

/** What a describe() of Mongo tests shares: the server and the tests' own client. */
export interface MongoTestSuite {
  readonly server: MongoTestServer;
  /** The tests' own connection, for inspecting and dropping databases behind the store's back. */
  readonly admin: MongoClient;
  /** Unique per test and per run, so runs against a shared MongoDB never meet each other's data. */
  freshDatabaseName(): string;
}

/**
 * For a describe() of Mongo tests: starts the server (and connects `admin`) before the first test, and closes
 * and disposes of them after the last. Database names start with `databasePrefix`.
 */
export function useMongoTestServer(databasePrefix: string): MongoTestSuite {
  let server: MongoTestServer | undefined;
  let admin: MongoClient | undefined;
  let databaseCounter = 0;

  before(async () => {
    server = await startMongoTestServer();
    admin = new MongoClient(server.uri('admin'), { serverSelectionTimeoutMS: 5000 });
    await admin.connect();
  });

  after(async () => {
    await admin?.close();
    await server?.dispose();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the Mongo test server is used before its before() hook ran');
    return value;
  };
  return {
    get server() {
      return started(server);
    },
    get admin() {
      return started(admin);
    },
    freshDatabaseName: () =>
      `${databasePrefix}_${process.pid}_${++databaseCounter}_${randomBytes(3).toString('hex')}`,
  };
}

/**
 * Retries `attempt` every 200 ms while it fails with an error `retryable` accepts (any, unless told), for at
 * most `withinMs`: waits out a server restart.
 */
export async function eventually(
  attempt: () => Promise<void>,
  withinMs: number,
  retryable: (error: unknown) => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!retryable(error) || Date.now() > deadline) throw error;
      await new Promise((resolveDelay) => setTimeout(resolveDelay, 200));
    }
  }
}

/** Puts `database` into the URI's path, keeping hosts, credentials and options. */
export function withDatabase(uri: string, database: string): string {
  const schemeEnd = uri.indexOf('://') + 3;
  const queryStart = uri.includes('?') ? uri.indexOf('?') : uri.length;
  const slash = uri.indexOf('/', schemeEnd);
  const authorityEnd = slash !== -1 && slash < queryStart ? slash : queryStart;
  return `${uri.slice(0, authorityEnd)}/${encodeURIComponent(database)}${uri.slice(queryStart)}`;
}

class ExternalServer implements MongoTestServer {
  readonly kind = 'external';
  readonly dataDir = null;

  constructor(private readonly baseUri: string) {}

  uri(database: string): string {
    return withDatabase(this.baseUri, database);
  }

  async stop(): Promise<void> {
    throw new Error(`cannot stop the server of ${TEST_MONGODB_URI_VARIABLE}: it is not ours`);
  }

  async restart(): Promise<void> {
    throw new Error(`cannot restart the server of ${TEST_MONGODB_URI_VARIABLE}: it is not ours`);
  }

  async dispose(): Promise<void> {}
}

class ManagedFerretDb implements MongoTestServer {
  readonly kind = 'ferretdb';

  private constructor(
    private readonly port: number,
    readonly dataDir: string,
    private pid: number | null,
  ) {}

  static async start(): Promise<ManagedFerretDb> {
    const dataDir = mkdtempSync(join(tmpdir(), 'capturebox-ferretdb-'));
    const port = await findFreePort();
    try {
      return new ManagedFerretDb(port, dataDir, await startFerretDb(port, dataDir));
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * With at most 10 connections per client: FerretDB v1's SQLite backend has one write lock for the whole
   * database, and with a hundred connections writing at once (the driver's default pool, 200 concurrent
   * saves) SQLite's busy handler starves one of them past the socket timeout (1 run in ~15).
   */
  uri(database: string): string {
    return `mongodb://127.0.0.1:${this.port}/${encodeURIComponent(database)}?maxPoolSize=10`;
  }

  async stop(): Promise<void> {
    if (this.pid === null) return;
    await ferretDbScript('stop', String(this.pid));
    this.pid = null;
  }

  async restart(): Promise<void> {
    await this.stop();
    this.pid = await startFerretDb(this.port, this.dataDir);
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

async function startFerretDb(port: number, dataDir: string): Promise<number> {
  const pid = Number((await ferretDbScript('start', String(port), dataDir)).trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`scripts/ferretdb.sh start printed no pid`);
  return pid;
}

async function ferretDbScript(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(FERRETDB_SCRIPT, args, { cwd: REPO_ROOT, timeout: 60_000 });
    return stdout;
  } catch (error) {
    // The script's own words (e.g. "not installed: run 'scripts/ferretdb.sh install' first") say it best.
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`scripts/ferretdb.sh ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`, { cause: error });
  }
}

/** A port nobody listens on right now: the kernel picks one, and it is released for FerretDB at once. */
async function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : null;
      probe.close(() => (port ? resolvePort(port) : reject(new Error('no free port found'))));
    });
  });
}
