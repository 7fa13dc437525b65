// The SQLite plumbing both embedded adapters share (mail here, accounts in `accounts/`): one file per store,
// opened with the same pragmas and brought to its schema version by numbered migrations, and the one rule for
// which errors are a passing storage fault (StoreUnavailableError) rather than a bug.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { DiskReserve } from './disk-reserve';
import { StoreUnavailableError } from './message-store';

export interface SqliteFileOptions {
  /** Path of the database file (normally inside the data directory); its directory is created. */
  file: string;
  /** How long a write waits for another connection's lock before failing with SQLITE_BUSY. Default 5000. */
  busyTimeoutMs?: number;
}

/** What makes one SQLite store itself: its name, its schema and what it prepares on a connection. */
export interface SqliteStoreDefinition<Prepared> {
  /** How the store names itself in its errors, e.g. `sqlite store`. */
  name: string;
  /** The schema, oldest first; `PRAGMA user_version` records how many have run. Never edit a released entry. */
  migrations: readonly string[];
  /** What the store needs of an open connection (its prepared statements); runs once per open. */
  prepare: (db: Database.Database) => Prepared;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * An SQLite adapter's connection and what was prepared on it: opened once, closed once, and the one place its
 * operations run, so that a closed store and storage faults fail the same way in every SQLite store.
 */
export abstract class SqliteStore<Prepared> {
  protected readonly file: string;
  protected readonly busyTimeoutMs: number;
  private opened: { db: Database.Database; prepared: Prepared } | null = null;

  protected constructor(
    options: SqliteFileOptions,
    private readonly definition: SqliteStoreDefinition<Prepared>,
  ) {
    this.file = options.file;
    this.busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  }

  async open(): Promise<void> {
    if (this.opened) return;
    const reserve = new DiskReserve(`${this.file}.reserve`);
    try {
      this.opened = this.connect();
    } catch (error) {
      // A full disk (no room for the -wal and -shm files): give the reserve back and try once more.
      if (!(error instanceof Error && isStorageFault(error) && reserve.release())) throw toSqliteStoreError(this.definition.name, 'open', error);
      try {
        this.opened = this.connect();
      } catch (again) {
        throw toSqliteStoreError(this.definition.name, 'open', again);
      }
    }
    reserve.keep();
  }

  private connect(): { db: Database.Database; prepared: Prepared } {
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      db = new Database(this.file);
      configureConnection(db, this.busyTimeoutMs);
      migrate(db, this.definition);
      return { db, prepared: this.definition.prepare(db) };
    } catch (error) {
      db?.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = null;
    opened?.db.close();
  }

  /**
   * Runs one unit of work on the open connection. A failure goes through `toError` once: by default storage
   * faults become StoreUnavailableError; a store that gives some constraint failures a meaning of its own maps
   * those first.
   */
  protected use<T>(
    operation: string,
    work: (prepared: Prepared) => T,
    toError: (error: unknown) => unknown = (error) => toSqliteStoreError(this.definition.name, operation, error),
  ): T {
    const opened = this.opened;
    if (!opened) throw new StoreUnavailableError(`${this.definition.name}: ${operation} while the store is closed`);
    try {
      return work(opened.prepared);
    } catch (error) {
      throw toError(error);
    }
  }
}

/** The pragmas every connection to a store's file runs with, whichever thread holds it. */
export function configureConnection(db: Database.Database, busyTimeoutMs: number): void {
  // First, so that even the pragmas below wait for another connection instead of failing at once.
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
  // WAL: API reads never block the SMTP writer, and a commit is one sequential append.
  db.pragma('journal_mode = WAL');
  // FULL: in WAL mode, fsync the log on every commit, so "250 queued" is only said after a durable write and
  // an API key shown once is not lost by a crash right after.
  db.pragma('synchronous = FULL');
  // Off by default in SQLite, per connection: without it the schemas' cascades do nothing.
  db.pragma('foreign_keys = ON');
  // better-sqlite3 builds SQLite with a 16 MB page cache per connection (SQLITE_DEFAULT_CACHE_SIZE=-16000),
  // which fills as the file grows: the reader and the writer thread alone held ~32 MB of pages at 100,000
  // messages. The kernel's page cache keeps the file's hot pages anyway (outside our RSS); this bound is
  // SQLite's own default.
  db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
}

/** The page cache each connection may hold, in KiB (see configureConnection). */
export const PAGE_CACHE_KIB = 2048;

/**
 * Brings the schema to `migrations.length` under a write lock, so two processes opening at once cannot race.
 * A database already at this version is only read: opening must not need a write, or a full disk would stop
 * a restarted process from reading the mail it holds.
 */
function migrate(db: Database.Database, { name, migrations }: SqliteStoreDefinition<unknown>): void {
  const latest = migrations.length;
  const versionOf = () => {
    const current = Number(db.pragma('user_version', { simple: true }));
    // Not a temporary fault: this build must not write a schema it does not know.
    if (current > latest) throw new Error(`${name}: database schema version ${current} is newer than this build's ${latest}`);
    return current;
  };
  if (versionOf() === latest) return;
  const migrateAll = db.transaction(() => {
    for (const migration of migrations.slice(versionOf())) db.exec(migration);
    db.pragma(`user_version = ${latest}`);
  });
  migrateAll.immediate();
}

/**
 * Storage faults (disk full, I/O error, lock timeout, not a database, a directory that cannot be made) become
 * StoreUnavailableError: the caller answers 451/503 and tries again later. Constraint violations are the
 * caller's bug, not a passing condition, so they stay as they are, and so does anything that is not a storage
 * error at all (our own errors, a schema newer than this build).
 */
export function toSqliteStoreError(store: string, operation: string, error: unknown): unknown {
  if (!(error instanceof Error) || !isStorageFault(error)) return error;
  return new StoreUnavailableError(`${store}: ${operation} failed: ${error.message}`, { cause: error });
}

/** The rule of toSqliteStoreError, for the writer thread, which has to send its errors across as data. */
export function isStorageFault(error: Error): boolean {
  const isSqliteFault = error instanceof Database.SqliteError && !error.code.startsWith('SQLITE_CONSTRAINT');
  const isSystemFault = 'syscall' in error; // a Node fs error, e.g. the data directory cannot be created
  return isSqliteFault || isSystemFault;
}
