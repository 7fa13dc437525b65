// Test-only: temporary files for the SQLite stores' specs (the message store's and the account store's), and
// the second connections with which a spec plays "another process" on a store's file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'node:test';
import Database from 'better-sqlite3';

/** A new, empty directory under the system's temporary one. */
function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** For a contract harness: a store file in a directory that does not exist yet, and its removal. */
export function makeNestedStoreFile(prefix: string, fileName: string): { file: string; cleanup: () => Promise<void> } {
  const dir = makeTempDir(prefix);
  return {
    // A nested path: the store must create its directory.
    file: join(dir, 'data', fileName),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface SqliteTestFile {
  /** The current test's directory. */
  readonly dir: string;
  /** The store's file in it, not created yet. */
  readonly file: string;
  /** Another connection to the store's file, closed after the test. */
  connectPeer(options?: Database.Options): Database.Database;
}

/**
 * For a describe() of one SQLite store's tests: before each test a fresh directory for the store's file; after
 * it, the peers are closed, then the store (`closeStore`), then the directory is removed.
 */
export function useSqliteTestFile(prefix: string, fileName: string, closeStore: () => Promise<void>): SqliteTestFile {
  let dir = '';
  const peers: Database.Database[] = [];

  beforeEach(() => {
    dir = makeTempDir(prefix);
  });

  afterEach(async () => {
    for (const peer of peers.splice(0)) peer.close();
    await closeStore();
    rmSync(dir, { recursive: true, force: true });
  });

  return {
    get dir() {
      return dir;
    },
    get file() {
      return join(dir, fileName);
    },
    connectPeer: (options) => {
      const peer = new Database(join(dir, fileName), options);
      peers.push(peer);
      return peer;
    },
  };
}
