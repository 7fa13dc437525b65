// The embedded store: the shared contract, then what only SQLite has (file layout, indexes, faults).
// A second better-sqlite3 connection to the same file plays "another process" and inspects the schema.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { StoreUnavailableError } from './message-store';
import { describeMessageStoreContract } from './message-store.contract';
import { SqliteMessageStore } from './sqlite-message-store';
import { COUNT_INBOX_SQL, LIST_INBOX_SQL, LIST_STARRED_SQL, SCHEMA_VERSION } from './sqlite-schema';
import { makeAttachment, makeCapturedMail, makeCopies } from './test-fixtures';

function makeTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'capturebox-store-'));
}

describeMessageStoreContract('SqliteMessageStore', async () => {
  const dir = makeTempDir();
  // A nested path: the store must create its directory.
  const file = join(dir, 'data', 'capturebox.sqlite');
  return {
    store: new SqliteMessageStore({ file }),
    reopen: async () => new SqliteMessageStore({ file }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('SqliteMessageStore', () => {
  let dir: string;
  let file: string;
  let store: SqliteMessageStore;
  const peers: Database.Database[] = [];

  /** Another connection to the store's file, closed after the test. */
  function connectPeer(options?: Database.Options): Database.Database {
    const peer = new Database(file, options);
    peers.push(peer);
    return peer;
  }

  function countRows(table: 'captured' | 'messages' | 'attachment_blobs'): number {
    return connectPeer({ readonly: true }).prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()!.n;
  }

  beforeEach(() => {
    dir = makeTempDir();
    file = join(dir, 'store.sqlite');
    store = new SqliteMessageStore({ file, busyTimeoutMs: 50 });
  });

  afterEach(async () => {
    for (const peer of peers.splice(0)) peer.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a WAL database at the current schema version', async () => {
    await store.open();
    const peer = connectPeer({ readonly: true });
    assert.equal(peer.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(peer.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  });

  it('serves the inbox, count and starred queries from indexes, without scans or sorting', async () => {
    await store.open();
    const mail = makeCapturedMail();
    await store.saveCaptured(mail, makeCopies(mail, ['plan@example.com'], { savedBy: 'account-1' }));
    const peer = connectPeer({ readonly: true });
    const plan = (sql: string, params: object) =>
      peer
        .prepare<[object], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .all(params)
        .map((row) => row.detail);

    const page = { until: Date.now(), limit: 10 };
    const cases = [
      { sql: LIST_INBOX_SQL, params: { inbox: 'plan@example.com', ...page }, index: 'messages_by_inbox' },
      { sql: COUNT_INBOX_SQL, params: { inbox: 'plan@example.com' }, index: 'messages_by_inbox' },
      { sql: LIST_STARRED_SQL, params: { saved_by: 'account-1', ...page }, index: 'messages_by_starred' },
    ];
    for (const { sql, params, index } of cases) {
      const steps = plan(sql, params);
      assert.ok(
        steps.some((step) => new RegExp(`^SEARCH messages USING (COVERING )?INDEX ${index} `).test(step)),
        `expected ${index} in ${JSON.stringify(steps)}`,
      );
      assert.ok(!steps.some((step) => step.startsWith('SCAN messages')), `table scan in ${JSON.stringify(steps)}`);
      assert.ok(!steps.some((step) => step.includes('TEMP B-TREE')), `sort step in ${JSON.stringify(steps)}`);
    }
  });

  it('stores an attachment shared by two messages once', async () => {
    await store.open();
    const shared = makeAttachment('one logo, many mails');
    for (const inbox of ['one@example.com', 'two@example.com']) {
      const mail = makeCapturedMail({ attachments: [shared] });
      await store.saveCaptured(mail, makeCopies(mail, [inbox]));
    }
    assert.equal(countRows('attachment_blobs'), 1);
  });

  it('removes the shared captured row together with the last copy, whichever way it is deleted', async () => {
    await store.open();
    const mail = makeCapturedMail();
    const [first, second] = makeCopies(mail, ['first@example.com', 'second@example.com']);
    await store.saveCaptured(mail, [first, second]);

    await store.deleteMessage(first.inbox, first.id);
    assert.equal(countRows('captured'), 1, 'kept while a copy remains');
    await store.deleteInbox(second.inbox);
    assert.equal(countRows('captured'), 0);
    assert.equal(countRows('messages'), 0);
  });

  it('fails a save with StoreUnavailableError while another connection holds the write lock, then recovers', async () => {
    await store.open();
    const holder = connectPeer();
    holder.exec('BEGIN IMMEDIATE'); // takes the write lock and keeps it past the store's 50 ms busy timeout
    const mail = makeCapturedMail();
    const copies = makeCopies(mail, ['busy@example.com']);

    await assert.rejects(store.saveCaptured(mail, copies), (error: unknown) => {
      assert.ok(error instanceof StoreUnavailableError);
      assert.equal((error.cause as { code?: string }).code, 'SQLITE_BUSY');
      return true;
    });
    await store.ping(); // WAL: readers are not blocked by the writer's lock

    holder.exec('ROLLBACK');
    assert.equal(await store.countInbox('busy@example.com'), 0, 'the failed save left nothing behind');
    await store.saveCaptured(mail, copies);
    assert.equal(await store.countInbox('busy@example.com'), 1);
  });

  it('fails to open a file that is not a database with StoreUnavailableError', async () => {
    writeFileSync(file, 'this is not an SQLite database, just some text that fills the header. '.repeat(20));
    await assert.rejects(store.open(), (error: unknown) => {
      assert.ok(error instanceof StoreUnavailableError);
      assert.equal((error.cause as { code?: string }).code, 'SQLITE_NOTADB');
      return true;
    });
    await assert.rejects(store.ping(), StoreUnavailableError, 'a store that failed to open is not open');
  });

  it('refuses a database written by a newer schema version', async () => {
    const newer = new Database(file);
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();
    await assert.rejects(store.open(), /newer than this build/);
  });

  it('rejects a save whose copies belong to another transaction, writing nothing', async () => {
    await store.open();
    const mail = makeCapturedMail();
    const stranger = makeCopies(makeCapturedMail(), ['alice@example.com']);
    await assert.rejects(store.saveCaptured(mail, stranger), /belongs to/);
    await assert.rejects(store.saveCaptured(mail, []), /no recipient copies/);
    assert.equal(countRows('captured'), 0);
  });
});
