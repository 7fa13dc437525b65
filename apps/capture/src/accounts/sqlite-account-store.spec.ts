// The embedded account store: the shared contract, then what only SQLite has (schema, constraints, file
// faults) and the proof that API keys cannot be read back from the file. A second better-sqlite3 connection
// to the same file plays "someone with the file" and inspects it.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { StoreUnavailableError } from '../store';
import { makeNestedStoreFile, useSqliteTestFile } from '../store/testing';
import { AccountConflictError } from './account-store';
import {
  describeAccountStoreContract,
  makeCustomDomain,
  makePrivateAddress,
  makeStoredAccount,
  makeStoredApiKey,
} from './account-store.contract';
import { ACCOUNT_SCHEMA_VERSION, SqliteAccountStore } from './sqlite-account-store';

const TABLES = ['accounts', 'api_keys', 'private_addresses', 'custom_domains', 'account_usage', 'webhooks'];

const TEMP_PREFIX = 'capturebox-accounts-';

describeAccountStoreContract('SqliteAccountStore', async () => {
  const { file, cleanup } = makeNestedStoreFile(TEMP_PREFIX, 'accounts.sqlite');
  return {
    store: new SqliteAccountStore({ file }),
    reopen: async () => new SqliteAccountStore({ file }),
    cleanup,
  };
});

describe('SqliteAccountStore', () => {
  let store: SqliteAccountStore;
  const temp = useSqliteTestFile(TEMP_PREFIX, 'accounts.sqlite', () => store.close());
  const { connectPeer } = temp;

  beforeEach(() => {
    store = new SqliteAccountStore({ file: temp.file, busyTimeoutMs: 50 });
  });

  it('creates a WAL database of STRICT tables at the current schema version', async () => {
    await store.open();
    const peer = connectPeer({ readonly: true });
    assert.equal(peer.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(peer.pragma('user_version', { simple: true }), ACCOUNT_SCHEMA_VERSION);
    const tables = peer
      .prepare<[], { name: string; strict: number }>(`SELECT name, strict FROM pragma_table_list WHERE schema = 'main'`)
      .all()
      .filter((table) => !table.name.startsWith('sqlite_'));
    assert.deepEqual(tables.map((table) => table.name).sort(), [...TABLES].sort());
    assert.ok(tables.every((table) => table.strict === 1), JSON.stringify(tables));
  });

  it('declares a cascading foreign key to accounts on every dependent table', async () => {
    await store.open();
    const peer = connectPeer({ readonly: true });
    for (const table of TABLES.filter((name) => name !== 'accounts')) {
      const keys = peer
        .prepare<[string], { table: string; to: string; on_delete: string }>(`SELECT * FROM pragma_foreign_key_list(?)`)
        .all(table);
      assert.deepEqual(
        keys.map(({ table: parent, to, on_delete }) => ({ parent, to, on_delete })),
        [{ parent: 'accounts', to: 'id', on_delete: 'CASCADE' }],
        table,
      );
    }
  });

  it('keeps the constraints in the schema: another connection cannot break them either', async () => {
    await store.open();
    const account = makeStoredAccount({ username: 'Alice' });
    await store.createAccount(account);
    const { key } = makeStoredApiKey(account.id);
    await store.addApiKey(key);
    const peer = connectPeer();
    peer.pragma('foreign_keys = ON');
    const insertAccount = peer.prepare(
      `INSERT INTO accounts VALUES (@id, @username, @username_lower, 0, 0, 1, 0, 0)`,
    );

    assert.throws(() => insertAccount.run({ id: 'x', username: 'ALICE', username_lower: 'alice' }), /UNIQUE/);
    assert.throws(
      () => peer.prepare(`INSERT INTO api_keys VALUES ('k2', ?, ?, 'l', 0)`).run(account.id, key.keyHash),
      /UNIQUE/,
    );
    assert.throws(
      () => peer.prepare(`INSERT INTO api_keys VALUES ('k3', ?, 'cbx_clear-key', 'l', 0)`).run(account.id),
      /CHECK/,
      'a clear key does not fit the key_hash column',
    );
    assert.throws(
      () => peer.prepare(`INSERT INTO private_addresses VALUES ('a@example.com', 'acct_nobody', '', 0, 0)`).run(),
      /FOREIGN KEY/,
    );
  });

  it('makes the claim and the owner read one write transaction, so another process cannot slip in', async () => {
    await store.open();
    const account = makeStoredAccount();
    await store.createAccount(account);
    const holder = connectPeer();
    holder.exec('BEGIN IMMEDIATE'); // holds the write lock past the store's 50 ms busy timeout

    await assert.rejects(store.claimAddress(makePrivateAddress('busy@example.com', account.id)), (error: unknown) => {
      assert.ok(error instanceof StoreUnavailableError);
      assert.equal((error.cause as { code?: string }).code, 'SQLITE_BUSY');
      return true;
    });
    assert.equal(await store.getAddress('busy@example.com'), null, 'reads go on (WAL)');

    holder.exec('ROLLBACK');
    assert.equal(await store.claimAddress(makePrivateAddress('busy@example.com', account.id)), 'claimed');
  });

  it('fails to open a file that is not a database with StoreUnavailableError', async () => {
    writeFileSync(temp.file, 'this is not an SQLite database, just some text that fills the header. '.repeat(20));
    await assert.rejects(store.open(), (error: unknown) => {
      assert.ok(error instanceof StoreUnavailableError);
      assert.equal((error.cause as { code?: string }).code, 'SQLITE_NOTADB');
      return true;
    });
    await assert.rejects(store.getAccount('x'), StoreUnavailableError, 'a store that failed to open is not open');
  });

  it('refuses a database written by a newer schema version', async () => {
    const newer = new Database(temp.file);
    newer.pragma(`user_version = ${ACCOUNT_SCHEMA_VERSION + 1}`);
    newer.close();
    await assert.rejects(store.open(), /newer than this build/);
  });

  it('opens the same file twice (two processes) and both see one set of constraints', async () => {
    await store.open();
    const second = new SqliteAccountStore({ file: temp.file });
    try {
      await second.open();
      await store.createAccount(makeStoredAccount({ username: 'first' }));
      await assert.rejects(second.createAccount(makeStoredAccount({ username: 'FIRST' })), AccountConflictError);
    } finally {
      await second.close();
    }
  });

  it('stores no API key in the clear: the file holds its SHA-256 only', async () => {
    await store.open();
    const account = makeStoredAccount();
    await store.createAccount(account);
    const { key, clearKey } = makeStoredApiKey(account.id, { label: 'deploy' });
    await store.addApiKey(key);
    // Everything else an account has, so the scan covers every table with rows in it.
    await store.claimAddress(makePrivateAddress('keys@example.com', account.id, { info: 'info' }));
    await store.claimDomain(makeCustomDomain('keys.example', account.id));
    await store.addOperations(account.id, '2024-05', 1);
    await store.addWebhook({ id: 'wh_keys', ownerId: account.id, kind: 'account', target: '', url: 'http://127.0.0.1:9/', secret: 'whsec_x', created: new Date() });
    await store.close();

    const peer = connectPeer({ readonly: true });
    const names = peer
      .prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
      .all()
      .map((row) => row.name);
    assert.deepEqual([...names].sort(), [...TABLES].sort());
    const everything = JSON.stringify(
      Object.fromEntries(names.map((name) => [name, peer.prepare(`SELECT * FROM "${name}"`).all()])),
    );
    for (const name of names) assert.ok(everything.includes(`"${name}":[{`), `${name} has rows to scan`);
    assert.ok(!everything.includes(clearKey), 'the clear key is not stored');
    assert.ok(!everything.includes(clearKey.slice(4, 24)), 'nor any recognisable part of it');
    assert.ok(everything.includes(key.keyHash), 'its SHA-256 is');

    // Nor are its bytes anywhere in the files, e.g. in a page or WAL frame left from an earlier version.
    const { dir } = temp;
    for (const entry of readdirSync(dir)) {
      assert.ok(!readFileSync(join(dir, entry)).includes(clearKey), `${entry} holds the clear key`);
    }
  });
});
