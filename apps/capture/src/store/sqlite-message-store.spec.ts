// The embedded store: the shared contract, then what only SQLite has (file layout, indexes, faults).
// A second better-sqlite3 connection to the same file plays "another process" and inspects the schema.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { CapturedMail, StoredMessage } from '../domain';
import { StoreUnavailableError } from './message-store';
import { describeMessageStoreContract } from './message-store.contract';
import { configureConnection, PAGE_CACHE_KIB } from './sqlite-connection';
import { SqliteMessageStore } from './sqlite-message-store';
import {
  ANY_DUE_DELIVERY_SQL,
  COUNT_DOMAIN_SQL,
  COUNT_INBOX_SQL,
  COUNT_PUBLIC_WITH_ATTACHMENT_SQL,
  DELETE_DOMAIN_MAIL_SQL,
  LIST_DOMAIN_SQL,
  LIST_INBOX_SQL,
  LIST_PUBLIC_WITH_ATTACHMENT_SQL,
  LIST_STARRED_SQL,
  MIGRATIONS,
  PRUNE_OLDER_THAN_SQL,
  PRUNE_UNREFERENCED_BLOBS_SQL,
  SCHEMA_VERSION,
  TALLY_PUBLIC_ATTACHMENTS_SQL,
  TALLY_PUBLIC_MAIL_SQL,
  TRIM_INBOX_SQL,
  USAGE_SQL,
} from './sqlite-schema';
import { makeNestedStoreFile, useSqliteTestFile } from './sqlite-test-files';
import { makeAttachment, makeCapturedMail, makeCopies } from './test-fixtures';

const TEMP_PREFIX = 'capturebox-store-';

/** The columns of migration 1's messages table: what a current store's rows are copied into an old database by. */
const V1_MESSAGE_COLUMNS = 'id, queue_id, inbox, original_inbox, domain, from_list, to_list, cc_list, bcc_list, subject, received, size, attachments, links, ip, via, rtls, spam, folder, labels, read, saved_by';

describeMessageStoreContract('SqliteMessageStore', async () => {
  const { file, cleanup } = makeNestedStoreFile(TEMP_PREFIX, 'capturebox.sqlite');
  return {
    store: new SqliteMessageStore({ file }),
    reopen: async () => new SqliteMessageStore({ file }),
    cleanup,
    countStored: async () => {
      const peer = new Database(file, { readonly: true });
      try {
        const count = (table: string) => peer.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()!.n;
        return { rawSources: count('captured'), attachmentContents: count('attachment_blobs') };
      } finally {
        peer.close();
      }
    },
  };
});

describe('SqliteMessageStore', () => {
  let store: SqliteMessageStore;
  const temp = useSqliteTestFile(TEMP_PREFIX, 'store.sqlite', () => store.close());
  const { connectPeer } = temp;

  function countRows(table: 'captured' | 'messages' | 'attachment_blobs' | 'message_word_keys'): number {
    return connectPeer({ readonly: true }).prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()!.n;
  }

  beforeEach(() => {
    store = new SqliteMessageStore({ file: temp.file, busyTimeoutMs: 50 });
  });

  it('creates a WAL database at the current schema version', async () => {
    await store.open();
    const peer = connectPeer({ readonly: true });
    assert.equal(peer.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(peer.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  });

  it("bounds each connection's page cache (reader, writer thread, accounts) to PAGE_CACHE_KIB", () => {
    const bounded = new Database(':memory:');
    try {
      assert.equal(bounded.pragma('cache_size', { simple: true }), -16000, "better-sqlite3's own default, which this bound replaces");
      configureConnection(bounded, 0);
      assert.equal(bounded.pragma('cache_size', { simple: true }), -PAGE_CACHE_KIB);
    } finally {
      bounded.close();
    }
  });

  /** The EXPLAIN QUERY PLAN steps of `sql`, seen through another connection. */
  function plan(sql: string, params: object): string[] {
    return connectPeer({ readonly: true })
      .prepare<[object], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
      .all(params)
      .map((row) => row.detail);
  }

  function assertSearchesIndex(steps: string[], index: string): void {
    assert.ok(
      steps.some((step) => new RegExp(`^SEARCH messages USING (COVERING )?INDEX ${index} `).test(step)),
      `expected ${index} in ${JSON.stringify(steps)}`,
    );
    assert.ok(!steps.some((step) => step.startsWith('SCAN messages')), `table scan in ${JSON.stringify(steps)}`);
  }

  it('serves listing, count, delete, age-prune and trim queries from indexes, without scans or sorting', async () => {
    await store.open();
    const mail = makeCapturedMail();
    await store.saveCaptured(mail, makeCopies(mail, ['plan@example.com'], { savedBy: 'account-1' }));

    const page = { until: Date.now(), limit: 10 };
    const everyone = { all_starred: 1, starred_viewer: null };
    const visibleTo = { all_starred: 0, starred_viewer: 'account-1' };
    const cases = [
      { sql: LIST_INBOX_SQL, params: { inbox: 'plan@example.com', ...page, ...everyone }, index: 'messages_by_inbox' },
      { sql: LIST_INBOX_SQL, params: { inbox: 'plan@example.com', ...page, ...visibleTo }, index: 'messages_by_inbox' },
      { sql: COUNT_INBOX_SQL, params: { inbox: 'plan@example.com', ...everyone }, index: 'messages_by_inbox' },
      { sql: COUNT_INBOX_SQL, params: { inbox: 'plan@example.com', ...visibleTo }, index: 'messages_by_inbox' },
      { sql: LIST_DOMAIN_SQL, params: { domain: 'example.com', ...page, ...everyone, excluded: '[]' }, index: 'messages_by_domain' },
      { sql: LIST_DOMAIN_SQL, params: { domain: 'example.com', ...page, ...visibleTo, excluded: '["a@example.com"]' }, index: 'messages_by_domain' },
      { sql: COUNT_DOMAIN_SQL, params: { domain: 'example.com', excluded: '["a@example.com"]' }, index: 'messages_by_domain' },
      { sql: DELETE_DOMAIN_MAIL_SQL, params: { domain: 'example.com', excluded: '[]' }, index: 'messages_by_domain' },
      { sql: LIST_STARRED_SQL, params: { saved_by: 'account-1', ...page }, index: 'messages_by_starred' },
      { sql: PRUNE_OLDER_THAN_SQL, params: { cutoff: Date.now(), limit: 500 }, index: 'messages_public_by_received' },
      { sql: TRIM_INBOX_SQL, params: { inbox: 'plan@example.com', keep: 10 }, index: 'messages_public_by_inbox' },
    ];
    for (const { sql, params, index } of cases) {
      const steps = plan(sql, params);
      assertSearchesIndex(steps, index);
      assert.ok(!steps.some((step) => step.includes('TEMP B-TREE')), `sort step in ${JSON.stringify(steps)}`);
    }
  });

  it("answers the webhook worker's poll (is anything due?) from the due index", async () => {
    await store.open();
    const steps = plan(ANY_DUE_DELIVERY_SQL, { now: Date.now() });
    assert.ok(steps.some((step) => step.startsWith('SEARCH webhook_deliveries USING INDEX webhook_deliveries_due')), JSON.stringify(steps));
  });

  it('counts usage from the starred, inbox and domain indexes, even where statistics favour a scan', async () => {
    await store.open();
    // One big domain the account does not own; ANALYZE makes the planner know how big it is.
    const crowd = makeCapturedMail();
    await store.saveCaptured(crowd, makeCopies(crowd, Array.from({ length: 500 }, (_, i) => `n${i}@crowd.test`)));
    connectPeer().exec('ANALYZE');

    const params = { account_id: 'account-1', inboxes: '["mine@example.com"]', domains: '["own.test"]' };
    const steps = plan(USAGE_SQL, params);
    for (const index of ['messages_by_starred', 'messages_by_inbox', 'messages_by_domain']) {
      assertSearchesIndex(steps, index);
    }
    assert.deepEqual(await store.usage({ accountId: 'account-1', inboxes: [], domains: ['crowd.test'] }), {
      starred: 0,
      stored: 500,
      bytes: 500 * crowd.raw.length,
      private: 500,
    });
  });

  it('finds unreferenced attachment contents through their partial index, not by reading every content', async () => {
    await store.open();
    const steps = connectPeer({ readonly: true })
      .prepare<[], { detail: string }>(`EXPLAIN QUERY PLAN ${PRUNE_UNREFERENCED_BLOBS_SQL}`)
      .all()
      .map((row) => row.detail);
    assert.ok(
      steps.some((step) => /USING (COVERING )?INDEX attachment_blobs_unreferenced\b/.test(step)),
      `expected attachment_blobs_unreferenced in ${JSON.stringify(steps)}`,
    );
  });

  it('upgrades a version 1 database, counting the attachment references it already holds', async () => {
    // Real rows from a current store, copied into a database that has only the first migration.
    const sourceFile = join(temp.dir, 'source.sqlite');
    const source = new SqliteMessageStore({ file: sourceFile });
    await source.open();
    const logo = makeAttachment('a logo attached twice to one mail');
    const mail = makeCapturedMail({ attachments: [logo, logo] });
    const [x, y] = makeCopies(mail, ['x@example.com', 'y@example.com']);
    await source.saveCaptured(mail, [x, y]);
    const orphan = makeCapturedMail({ attachments: [makeAttachment('left behind by a v1 delete')] });
    await source.saveCaptured(orphan, makeCopies(orphan, ['gone@example.com']));
    await source.deleteInbox('gone@example.com');
    await source.close();

    const v1 = connectPeer();
    v1.exec(MIGRATIONS[0]);
    v1.pragma('user_version = 1');
    v1.prepare('ATTACH DATABASE ? AS source').run(sourceFile);
    v1.exec(`
      INSERT INTO main.captured SELECT * FROM source.captured;
      INSERT INTO main.messages SELECT ${V1_MESSAGE_COLUMNS} FROM source.messages;
      INSERT INTO main.attachment_blobs (md5, content) SELECT md5, content FROM source.attachment_blobs;
      DETACH DATABASE source;`);

    await store.open();
    assert.equal(connectPeer({ readonly: true }).pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(await store.pruneUnreferencedBlobs(), 1, 'only the content no message carries');
    await store.deleteMessage(x.inbox, x.id);
    assert.equal(await store.pruneUnreferencedBlobs(), 0, 'one reference left');
    assert.deepEqual(await store.getAttachment(y.inbox, y.id, logo.md5), logo);
    await store.deleteMessage(y.inbox, y.id);
    assert.equal(await store.pruneUnreferencedBlobs(), 1, 'the last reference went');
    assert.equal(countRows('attachment_blobs'), 0);
  });

  it('upgrades a version 2 database, listing the mail it holds by domain through the new index', async () => {
    const sourceFile = join(temp.dir, 'source.sqlite');
    const source = new SqliteMessageStore({ file: sourceFile });
    await source.open();
    const mail = makeCapturedMail();
    const [x, y] = makeCopies(mail, ['x@a.test', 'y@a.test']);
    await source.saveCaptured(mail, [x, y]);
    await source.close();

    const v2 = connectPeer();
    v2.exec(MIGRATIONS[0]);
    v2.exec(MIGRATIONS[1]);
    v2.pragma('user_version = 2');
    v2.prepare('ATTACH DATABASE ? AS source').run(sourceFile);
    v2.exec(`
      INSERT INTO main.captured SELECT * FROM source.captured;
      INSERT INTO main.attachment_blobs (md5, content) SELECT md5, content FROM source.attachment_blobs;
      INSERT INTO main.messages SELECT ${V1_MESSAGE_COLUMNS} FROM source.messages;
      DETACH DATABASE source;`);
    assert.equal(v2.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'messages_by_domain'`).get(), undefined);

    await store.open();
    assert.equal(connectPeer({ readonly: true }).pragma('user_version', { simple: true }), SCHEMA_VERSION);
    const byDomain = new Set((await store.listDomain('a.test', { limit: 10 })).map((message) => message.id));
    assert.deepEqual(byDomain, new Set([x.id, y.id]));
    assertSearchesIndex(plan(COUNT_DOMAIN_SQL, { domain: 'a.test', excluded: '[]' }), 'messages_by_domain');
    assert.equal(await store.deleteDomainMail('a.test'), 2);
    assert.equal(countRows('captured'), 0);
    assert.equal(await store.pruneUnreferencedBlobs(), 1, 'the v2 reference counts still hold');
  });

  it('upgrades a version 3 database, finding the public mail that carries an md5 through message_attachments', async () => {
    const sourceFile = join(temp.dir, 'source.sqlite');
    const source = new SqliteMessageStore({ file: sourceFile });
    await source.open();
    const logo = makeAttachment('a logo from before mailstats');
    const mail = makeCapturedMail({ attachments: [logo, logo] });
    const [x, y] = makeCopies(mail, ['x@a.test', 'y@a.test']);
    await source.saveCaptured(mail, [x, y]);
    await source.close();

    const v3 = connectPeer();
    for (const migration of MIGRATIONS.slice(0, 3)) v3.exec(migration);
    v3.pragma('user_version = 3');
    v3.prepare('ATTACH DATABASE ? AS source').run(sourceFile);
    v3.exec(`
      INSERT INTO main.captured SELECT * FROM source.captured;
      INSERT INTO main.attachment_blobs (md5, content) SELECT md5, content FROM source.attachment_blobs;
      INSERT INTO main.messages SELECT ${V1_MESSAGE_COLUMNS} FROM source.messages;
      DETACH DATABASE source;`);

    await store.open();
    assert.equal(connectPeer({ readonly: true }).pragma('user_version', { simple: true }), SCHEMA_VERSION);
    const nothingExcluded = { excludeInboxes: [], excludeDomains: [] };
    assert.equal(await store.countPublicWithAttachment(logo.md5, nothingExcluded), 2);
    await store.deleteMessage(x.inbox, x.id);
    assert.deepEqual((await store.listPublicWithAttachment(logo.md5, { ...nothingExcluded, limit: 10 })).map((m) => m.id), [y.id]);
  });

  /** The store's file at schema `version` (its first migrations only), holding `mail` as a current store wrote it. */
  async function holdAtVersion(version: number, mail: CapturedMail, copies: StoredMessage[]): Promise<void> {
    const sourceFile = join(temp.dir, 'source.sqlite');
    const source = new SqliteMessageStore({ file: sourceFile });
    await source.open();
    await source.saveCaptured(mail, copies);
    await source.close();
    const old = connectPeer();
    for (const migration of MIGRATIONS.slice(0, version)) old.exec(migration);
    old.pragma(`user_version = ${version}`);
    old.prepare('ATTACH DATABASE ? AS old').run(sourceFile);
    // Migration 8 added the one column since migration 1.
    const columns = version >= 8 ? `${V1_MESSAGE_COLUMNS}, spam_verdict` : V1_MESSAGE_COLUMNS;
    old.exec(`INSERT INTO main.captured SELECT * FROM old.captured; INSERT INTO main.messages SELECT ${columns} FROM old.messages; DETACH DATABASE old;`);
  }

  it('upgrades a version 5 database, indexing the words of the mail it holds, once per transaction', async () => {
    const mail = makeCapturedMail({ subject: 'Stored before search', text: 'an old zephyr body', attachments: [] });
    const [x, y] = makeCopies(mail, ['x@a.test', 'y@a.test']);
    await holdAtVersion(5, mail, [x, y]);

    await store.open();
    const words = async (...list: string[]) =>
      (await store.searchMessages({ scope: { kind: 'everything' }, allOf: [{ field: 'words', words: list }], order: 'oldest', limit: 10 })).map((m) => m.id).sort();
    assert.deepEqual(await words('zephyr'), [x.id, y.id].sort());
    assert.deepEqual(await words('stored', 'before'), [x.id, y.id].sort());
    assert.equal(countRows('message_word_keys'), 1, 'one index row for the two copies');
    await store.deleteMessage(x.inbox, x.id);
    await store.deleteMessage(y.inbox, y.id);
    assert.deepEqual(await words('zephyr'), []);
    assert.equal(countRows('message_word_keys'), 0, 'gone with the last copy');
  });

  it('upgrades a version 7 database: the mail it holds reads as not scored, and takes a verdict', async () => {
    const mail = makeCapturedMail({ attachments: [] });
    const [x] = makeCopies(mail, ['x@a.test']);
    await holdAtVersion(7, mail, [x]);

    await store.open();
    assert.equal((await store.getMessage(x.inbox, x.id))?.spamVerdict, null);
    const verdict = { score: 6.1, required: 5, rules: ['HTML_MESSAGE'] };
    assert.equal(await store.recordSpamVerdict(mail.queueId, verdict), 1);
    assert.deepEqual((await store.getMessage(x.inbox, x.id))?.spamVerdict, verdict);
  });

  it('upgrades a version 9 database: an inbox is trimmed through the index of its public mail, starred mail kept', async () => {
    const mail = makeCapturedMail({ attachments: [] });
    const [older, starred] = makeCopies(mail, ['one@a.test', 'two@a.test']);
    await holdAtVersion(9, mail, [
      { ...older!, inbox: 'full@a.test' },
      { ...starred!, inbox: 'full@a.test', savedBy: 'account-1' },
    ]);

    await store.open();
    assertSearchesIndex(plan(TRIM_INBOX_SQL, { inbox: 'full@a.test', keep: 0 }), 'messages_public_by_inbox');
    const newer = makeCapturedMail({ attachments: [] });
    await store.saveCaptured(newer, makeCopies(newer, ['full@a.test']));
    assert.equal(await store.trimInbox('full@a.test', 1), 1);
    assert.deepEqual((await store.listInbox('full@a.test', { limit: 10 })).map((m) => m.id).sort(), [starred!.id, `${newer.queueId}-0`].sort());
  });

  it('upgrades a version 8 database: the attachment triggers run only for copies that list attachments, and still count', async () => {
    const old = connectPeer();
    for (const migration of MIGRATIONS.slice(0, 8)) old.exec(migration);
    old.pragma('user_version = 8');

    await store.open();
    const triggers = connectPeer({ readonly: true })
      .prepare<[], { name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%json_each(%.attachments)%'")
      .all();
    assert.deepEqual(triggers.map((t) => t.name).sort(), ['messages_count_attachment_refs', 'messages_list_attachments', 'messages_uncount_attachment_refs', 'messages_unlist_attachments']);
    for (const trigger of triggers) assert.match(trigger.sql, /WHEN (NEW|OLD)\.attachments <> '\[\]'/, trigger.name);

    const attachment = makeAttachment('kept by one of two');
    const plain = makeCapturedMail({ attachments: [] });
    const carrying = makeCapturedMail({ attachments: [attachment] });
    const [p] = makeCopies(plain, ['plain@a.test']);
    const [c, d] = makeCopies(carrying, ['carrying@a.test', 'carrying-too@a.test']);
    await store.saveCaptured(plain, [p]);
    await store.saveCaptured(carrying, [c, d]);
    await store.deleteMessage(p.inbox, p.id);
    await store.deleteMessage(c.inbox, c.id);
    assert.equal(await store.pruneUnreferencedBlobs(), 0, 'one copy still carries it');
    await store.deleteMessage(d.inbox, d.id);
    assert.equal(await store.pruneUnreferencedBlobs(), 1, 'the last reference went');
  });

  it('serves the mailstats queries from indexes: public mail by age, and message_attachments by md5', async () => {
    await store.open();
    const mail = makeCapturedMail();
    await store.saveCaptured(mail, makeCopies(mail, ['plan@example.com']));
    const range = { excluded_inboxes: '["a@example.com"]', excluded_domains: '["own.test"]', since: 0, until: Date.now(), skip: 0, limit: 10 };
    for (const sql of [...Object.values(TALLY_PUBLIC_MAIL_SQL), TALLY_PUBLIC_ATTACHMENTS_SQL]) {
      const steps = plan(sql, range);
      assert.ok(steps.some((step) => step.startsWith('SEARCH m USING INDEX messages_public_by_received ')), `public by age in ${JSON.stringify(steps)}`);
      assert.ok(!steps.some((step) => step.startsWith('SCAN m')), `a scan in ${JSON.stringify(steps)}`);
    }
    const byMd5 = { md5: mail.attachments[0].md5, excluded_inboxes: '[]', excluded_domains: '[]', limit: 10 };
    for (const sql of [COUNT_PUBLIC_WITH_ATTACHMENT_SQL, LIST_PUBLIC_WITH_ATTACHMENT_SQL]) {
      const steps = plan(sql, byMd5);
      assert.ok(steps.some((step) => /^SEARCH a USING PRIMARY KEY \(md5=\?\)/.test(step)), `message_attachments by md5 in ${JSON.stringify(steps)}`);
      assert.ok(!steps.some((step) => /^SCAN (a|m)\b/.test(step)), `a scan in ${JSON.stringify(steps)}`);
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

  it('keeps the event loop free while a save waits for a lock held elsewhere, and saves once it is released', async () => {
    store = new SqliteMessageStore({ file: temp.file, busyTimeoutMs: 5000 });
    await store.open();
    const holder = connectPeer();
    holder.exec('BEGIN IMMEDIATE');
    const mail = makeCapturedMail();
    const saving = store.saveCaptured(mail, makeCopies(mail, ['waiting@example.com']));

    // The wait for the lock happens in the writer thread: timers and reads here go on meanwhile.
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(Date.now() - started < 1000, 'a 20 ms timer fired late: the event loop was blocked');
    assert.equal(await store.countInbox('waiting@example.com'), 0, 'not stored while the lock is held');

    holder.exec('ROLLBACK');
    await saving;
    assert.equal(await store.countInbox('waiting@example.com'), 1);
  });

  it('commits saves sent together in one transaction, and fails only the one that breaks a constraint', async () => {
    await store.open();
    const mails = Array.from({ length: 20 }, () => makeCapturedMail());
    const duplicate = { ...mails[0] }; // the same queue id again: a primary-key violation
    const results = await Promise.allSettled([
      ...mails.map((mail, n) => store.saveCaptured(mail, makeCopies(mail, [`batch${n}@example.com`]))),
      store.saveCaptured(duplicate, makeCopies(duplicate, ['dup@example.com'])),
    ]);
    assert.equal(results.filter((result) => result.status === 'fulfilled').length, 20);
    const failed = results.at(-1);
    assert.equal(failed?.status, 'rejected');
    assert.match(String((failed as PromiseRejectedResult).reason), /UNIQUE|PRIMARY KEY/);
    assert.ok(!((failed as PromiseRejectedResult).reason instanceof StoreUnavailableError), 'a bug, not a fault');
    assert.equal(countRows('captured'), 20);
    assert.equal(countRows('messages'), 20, 'nothing of the failed save is left');
  });

  it('fails the whole batch, storing none of it, when SQLite rolls back the whole transaction mid-batch', async () => {
    store = new SqliteMessageStore({ file: temp.file, busyTimeoutMs: 5000 });
    await store.open();
    // RAISE(ROLLBACK) undoes the enclosing transaction, not just the savepoint, as SQLITE_FULL or an I/O error
    // can: none of the writes committed with it may be stored, nor reported stored.
    connectPeer().exec(`
      CREATE TRIGGER roll_back_everything BEFORE INSERT ON messages WHEN NEW.inbox = 'doomed@example.com'
      BEGIN SELECT RAISE(ROLLBACK, 'the whole transaction goes'); END`);
    // The three must reach the writer as one batch: sent in one tick they could still straddle two turns of a
    // loaded writer thread. So a first save holds it (waiting for a write lock held here) while they are sent.
    const holder = connectPeer();
    holder.exec('BEGIN IMMEDIATE');
    const first = makeCapturedMail();
    const holding = store.saveCaptured(first, makeCopies(first, ['first@example.com']));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const inboxes = ['before@example.com', 'doomed@example.com', 'after@example.com'];
    const saves = inboxes.map((inbox) => {
      const mail = makeCapturedMail();
      return store.saveCaptured(mail, makeCopies(mail, [inbox]));
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    holder.exec('ROLLBACK');
    const results = await Promise.allSettled(saves);
    assert.deepEqual(
      results.map((result) => result.status),
      ['rejected', 'rejected', 'rejected'],
    );
    // The first save is stored, or (had the writer not taken it before the three came) failed with them.
    const firstStored = (await Promise.allSettled([holding]))[0]!.status === 'fulfilled';
    assert.equal(countRows('captured'), firstStored ? 1 : 0, 'nothing of the batch is stored');
    connectPeer().exec('DROP TRIGGER roll_back_everything');
    const mail = makeCapturedMail();
    await store.saveCaptured(mail, makeCopies(mail, ['later@example.com']));
    assert.equal(countRows('captured'), firstStored ? 2 : 1, 'the writer goes on');
  });

  it('rejects a write whose arguments cannot be sent to the writer thread, and goes on', async () => {
    await store.open();
    const mail = makeCapturedMail();
    const [copy] = makeCopies(mail, ['clone@example.com']);
    await store.saveCaptured(mail, [copy]);
    const uncloneable = { addLabel: (() => 'a function') as unknown as string };
    await assert.rejects(store.updateMessage(copy.inbox, copy.id, uncloneable), /could not be cloned/);
    // Test-only reach: nothing may be left waiting for an answer that will never come (it would keep the
    // process alive).
    assert.equal((store as unknown as { writer: { waiting: Map<number, unknown> } }).writer.waiting.size, 0);
    assert.equal((await store.updateMessage(copy.inbox, copy.id, { addLabel: 'fine' }))?.labels[0], 'fine');
  });

  it('is either open or closed when open and close race, never half open', async () => {
    const opening = store.open();
    await store.close();
    await assert.rejects(opening, StoreUnavailableError, 'a close during the open wins');
    await assert.rejects(store.ping(), StoreUnavailableError);

    await Promise.all([store.open(), store.open()]);
    const mail = makeCapturedMail();
    await store.saveCaptured(mail, makeCopies(mail, ['twice-opened@example.com']));
    assert.equal(await store.countInbox('twice-opened@example.com'), 1);
  });

  it('starts a new writer thread when the last one has ended, failing no write after that', async () => {
    await store.open();
    // Test-only reach into the store: end its writer thread as a crash would.
    await (store as unknown as { writer: { close(): Promise<void> } }).writer.close();
    const mail = makeCapturedMail();
    await store.saveCaptured(mail, makeCopies(mail, ['after-crash@example.com']));
    assert.equal(await store.countInbox('after-crash@example.com'), 1);
    await store.ping();
  });

  /** Test-only reach into the store: whether a writer thread runs now. */
  function writerRuns(of: SqliteMessageStore): boolean {
    return (of as unknown as { writer: { isRunning: boolean } | null }).writer?.isRunning === true;
  }

  it('ends an idle writer thread, starts another for the next write, and not for a health probe or an idle poll', async () => {
    await store.close();
    store = new SqliteMessageStore({ file: temp.file, writerIdleMs: 50 });
    await store.open();
    const first = makeCapturedMail();
    await store.saveCaptured(first, makeCopies(first, ['idle-writer@example.com']));
    assert.equal(writerRuns(store), true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(writerRuns(store), false, 'ended after 50 ms without a write');

    await store.ping();
    assert.deepEqual(await store.claimWebhookDeliveries({ owner: 'w', now: new Date(), leaseMs: 1_000, limit: 5 }), []);
    assert.equal(writerRuns(store), false, 'a probe and a poll with nothing due start no thread');

    const second = makeCapturedMail();
    await store.saveCaptured(second, makeCopies(second, ['idle-writer@example.com']));
    assert.equal(writerRuns(store), true);
    assert.equal(countRows('messages'), 2, 'both durable, seen by another connection');
  });

  it('fails no write when the writer thread ends for idleness between writes, however they interleave', async () => {
    await store.close();
    store = new SqliteMessageStore({ file: temp.file, writerIdleMs: 1 });
    await store.open();
    const saves: Promise<void>[] = [];
    for (let i = 0; i < 60; i++) {
      const mail = makeCapturedMail();
      saves.push(store.saveCaptured(mail, makeCopies(mail, ['interleaved@example.com'])));
      // 0-4 ms apart: some writes land while a thread is ending, some while the next one starts.
      await new Promise((resolve) => setTimeout(resolve, i % 5));
    }
    await Promise.all(saves);
    assert.equal(countRows('messages'), 60);
  });

  it('commits every save sent before close, then refuses writes', async () => {
    await store.open();
    const mails = Array.from({ length: 50 }, () => makeCapturedMail());
    const saves = mails.map((mail) => store.saveCaptured(mail, makeCopies(mail, ['closing@example.com'])));
    await store.close();
    await Promise.all(saves);
    assert.equal(countRows('messages'), 50);
    const late = makeCapturedMail();
    await assert.rejects(store.saveCaptured(late, makeCopies(late, ['late@example.com'])), StoreUnavailableError);
  });

  it('fails to open a file that is not a database with StoreUnavailableError', async () => {
    writeFileSync(temp.file, 'this is not an SQLite database, just some text that fills the header. '.repeat(20));
    await assert.rejects(store.open(), (error: unknown) => {
      assert.ok(error instanceof StoreUnavailableError);
      assert.equal((error.cause as { code?: string }).code, 'SQLITE_NOTADB');
      return true;
    });
    await assert.rejects(store.ping(), StoreUnavailableError, 'a store that failed to open is not open');
  });

  it('refuses a database written by a newer schema version', async () => {
    const newer = new Database(temp.file);
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
