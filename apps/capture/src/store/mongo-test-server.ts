// Test-only: the MongoDB-wire server that Mongo tests run against. CAPTUREBOX_TEST_MONGODB_URI when set
// (any real MongoDB), else a FerretDB v1 started here through scripts/ferretdb.sh on a free port with a
// temporary data directory. The binary is installed beforehand by the test-tools step; when it is missing,
// start() fails with the script's message rather than skipping, since a store never proven is no store.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

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

  uri(database: string): string {
    return `mongodb://127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
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
