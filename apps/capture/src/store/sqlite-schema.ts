// The embedded store's schema and the SQL of its named queries, in one place so that each index sits next
// to the query it serves (and so tests can EXPLAIN the very same SQL the store runs).
import { MAX_INDEXED_BODY } from './message-search';

/**
 * Migration 6's index row of a transaction, from its copy `message` (any: they share subject and addresses),
 * its captured row `c` and its key `k`: what follows SELECT, up to the FROM ... JOIN of the three. Part of a
 * released migration: never change it.
 */
function wordsRowOf(message: string): string {
  return `k.word_rowid, ${message}.subject,
    (SELECT group_concat(json_extract(a.value, '$.address'), ' ') FROM (
      SELECT value FROM json_each(${message}.from_list) UNION ALL SELECT value FROM json_each(${message}.to_list)
      UNION ALL SELECT value FROM json_each(${message}.cc_list)) a),
    substr(coalesce(c.text, c.html, ''), 1, ${MAX_INDEXED_BODY})
  FROM message_word_keys k JOIN captured c ON c.queue_id = k.queue_id`;
}

/**
 * Schema migrations, applied in order inside one transaction each; `PRAGMA user_version` records how many
 * have run. Never edit a released entry: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: captured transactions, per-recipient messages, deduplicated attachment contents.
  `
  -- One row per SMTP transaction (queue id): the parts every recipient copy shares, stored once.
  CREATE TABLE captured (
    queue_id    TEXT    PRIMARY KEY,
    raw         BLOB    NOT NULL,
    received    INTEGER NOT NULL,         -- epoch milliseconds
    envelope    TEXT    NOT NULL,         -- JSON Envelope
    session     TEXT    NOT NULL,         -- JSON SessionFacts
    message_id  TEXT,
    headers     TEXT    NOT NULL,         -- JSON HeaderLine[]
    text        TEXT,
    html        TEXT,
    parse_error TEXT
  ) STRICT;

  -- One row per recipient copy: everything a listing returns, and nothing bulky.
  CREATE TABLE messages (
    id             TEXT    PRIMARY KEY,   -- <queueId>-<n>
    queue_id       TEXT    NOT NULL REFERENCES captured (queue_id),
    inbox          TEXT    NOT NULL,
    original_inbox TEXT    NOT NULL,
    domain         TEXT    NOT NULL,
    from_list      TEXT    NOT NULL,      -- JSON MailAddress[]
    to_list        TEXT    NOT NULL,      -- JSON MailAddress[]
    cc_list        TEXT    NOT NULL,      -- JSON MailAddress[]
    bcc_list       TEXT    NOT NULL,      -- JSON MailAddress[]
    subject        TEXT    NOT NULL,
    received       INTEGER NOT NULL,      -- epoch milliseconds
    size           INTEGER NOT NULL,
    attachments    TEXT    NOT NULL,      -- JSON AttachmentMeta[]; contents live in attachment_blobs by md5
    links          TEXT    NOT NULL,      -- JSON string[]
    ip             TEXT    NOT NULL,
    via            TEXT    NOT NULL,
    rtls           INTEGER NOT NULL,      -- 0/1
    spam           REAL    NOT NULL,
    folder         TEXT    NOT NULL,
    labels         TEXT    NOT NULL,      -- JSON string[]
    read           INTEGER NOT NULL,      -- 0/1
    saved_by       TEXT                   -- account id that starred it; NULL = public
  ) STRICT;

  -- Serves LIST_INBOX_SQL (newest first, ties by id) and COUNT_INBOX_SQL.
  CREATE INDEX messages_by_inbox ON messages (inbox, received DESC, id DESC);
  -- Serves LIST_STARRED_SQL. Partial: most mail is public, so the index only holds what it is asked for.
  CREATE INDEX messages_by_starred ON messages (saved_by, received DESC, id DESC) WHERE saved_by IS NOT NULL;
  -- Serves the orphan check below and the foreign-key check when a captured row is deleted.
  CREATE INDEX messages_by_queue_id ON messages (queue_id);

  -- Attachment contents, deduplicated by md5 (the same logo in a thousand mails is stored once).
  CREATE TABLE attachment_blobs (
    md5     TEXT PRIMARY KEY,
    content BLOB NOT NULL
  ) STRICT;

  -- No orphans: whichever path deletes the last copy of a transaction (one message, a whole inbox, a future
  -- pruner), the shared captured row goes with it. Attachment blobs are NOT removed here: finding whether
  -- any other message still refers to an md5 means scanning JSON, so that is left to a later prune pass.
  CREATE TRIGGER messages_drop_orphan_captured AFTER DELETE ON messages
  WHEN NOT EXISTS (SELECT 1 FROM messages WHERE queue_id = OLD.queue_id)
  BEGIN
    DELETE FROM captured WHERE queue_id = OLD.queue_id;
  END;
  `,

  // 2: retention: public mail by age, and attachment contents that no message refers to any more.
  `
  -- Serves PRUNE_OLDER_THAN_SQL. Partial, the mirror image of messages_by_starred: starred mail is never
  -- pruned, so the index holds only what the pruner may take, oldest first.
  CREATE INDEX messages_public_by_received ON messages (received) WHERE saved_by IS NULL;

  -- How many messages refer to each attachment content. The triggers below keep it in the same transaction
  -- as every insert and delete of a message, so it is exact and PRUNE_UNREFERENCED_BLOBS_SQL needs neither
  -- a scan of every message's JSON nor any care about saves in progress: SQLite runs one writer at a time,
  -- and a save inserts (or finds) the content and raises its count in one transaction.
  ALTER TABLE attachment_blobs ADD COLUMN ref_count INTEGER NOT NULL DEFAULT 0;

  -- Counts the references that existed before this migration (once; a JSON scan is fine here).
  UPDATE attachment_blobs SET ref_count = counted.refs
  FROM (
    SELECT json_extract(attachment.value, '$.md5') AS md5, count(DISTINCT m.id) AS refs
    FROM messages m, json_each(m.attachments) attachment
    GROUP BY 1
  ) AS counted
  WHERE counted.md5 = attachment_blobs.md5;

  -- Serves PRUNE_UNREFERENCED_BLOBS_SQL: only unreferenced contents are in it, so a sweep with nothing to do
  -- reads nothing.
  CREATE INDEX attachment_blobs_unreferenced ON attachment_blobs (md5) WHERE ref_count = 0;

  -- One reference per message and md5, however often the message lists it (IN de-duplicates).
  CREATE TRIGGER messages_count_attachment_refs AFTER INSERT ON messages
  BEGIN
    UPDATE attachment_blobs SET ref_count = ref_count + 1
    WHERE md5 IN (SELECT json_extract(value, '$.md5') FROM json_each(NEW.attachments));
  END;

  CREATE TRIGGER messages_uncount_attachment_refs AFTER DELETE ON messages
  BEGIN
    UPDATE attachment_blobs SET ref_count = ref_count - 1
    WHERE md5 IN (SELECT json_extract(value, '$.md5') FROM json_each(OLD.attachments));
  END;
  `,

  // 3: custom domains: a domain's mail across all its inboxes.
  `
  -- Serves LIST_DOMAIN_SQL (newest first, ties by id), COUNT_DOMAIN_SQL, DELETE_DOMAIN_MAIL_SQL and the
  -- domains part of USAGE_SQL.
  CREATE INDEX messages_by_domain ON messages (domain, received DESC, id DESC);
  `,

  // 4: searches over all mail (an admin's account-wide reading and waits), newest or oldest first.
  `
  -- Serves sqlite-search.ts for the 'everything' scope: every message in time order.
  CREATE INDEX messages_by_received ON messages (received DESC, id DESC);
  `,

  // 5: mailstats: which messages carry an attachment content.
  `
  -- Serves COUNT_PUBLIC_WITH_ATTACHMENT_SQL and LIST_PUBLIC_WITH_ATTACHMENT_SQL: one row per message and md5
  -- it carries (the attachments JSON cannot be indexed), kept by the triggers below in the same transaction
  -- as the message's insert and delete. A message's attachments never change after capture.
  CREATE TABLE message_attachments (
    md5        TEXT NOT NULL,
    message_id TEXT NOT NULL,
    PRIMARY KEY (md5, message_id)
  ) STRICT, WITHOUT ROWID;

  INSERT OR IGNORE INTO message_attachments (md5, message_id)
  SELECT json_extract(attachment.value, '$.md5'), m.id FROM messages m, json_each(m.attachments) attachment;

  CREATE TRIGGER messages_list_attachments AFTER INSERT ON messages
  BEGIN
    INSERT OR IGNORE INTO message_attachments (md5, message_id)
    SELECT json_extract(value, '$.md5'), NEW.id FROM json_each(NEW.attachments);
  END;

  CREATE TRIGGER messages_unlist_attachments AFTER DELETE ON messages
  BEGIN
    DELETE FROM message_attachments
    WHERE message_id = OLD.id AND md5 IN (SELECT json_extract(value, '$.md5') FROM json_each(OLD.attachments));
  END;
  `,

  // 6: full-text search (sqlite-search.ts' words conditions): one index row per transaction, which every
  // recipient copy shares (subject, addresses and body are the transaction's).
  `
  -- A stable integer key per transaction for the index: captured's own rowid is implicit and VACUUM may
  -- renumber it.
  CREATE TABLE message_word_keys (
    word_rowid INTEGER PRIMARY KEY,
    queue_id   TEXT NOT NULL UNIQUE
  ) STRICT;

  -- Contentless: the text stays in messages and captured, the index holds only words (search-words.ts says
  -- what a word is; unicode61 with remove_diacritics 2 splits alike). contentless_delete lets a row go by
  -- rowid alone. The body is the plain-text part, else the HTML source, up to MAX_INDEXED_BODY characters.
  CREATE VIRTUAL TABLE message_words USING fts5(
    subject, addresses, body,
    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
  );

  INSERT INTO message_word_keys (queue_id) SELECT queue_id FROM captured;
  INSERT INTO message_words (rowid, subject, addresses, body)
  SELECT ${wordsRowOf('m')}
  JOIN messages m ON m.id = (SELECT id FROM messages WHERE queue_id = k.queue_id LIMIT 1);

  -- The first copy of a transaction indexes it; the others share its row.
  CREATE TRIGGER messages_index_words AFTER INSERT ON messages
  WHEN NOT EXISTS (SELECT 1 FROM message_word_keys WHERE queue_id = NEW.queue_id)
  BEGIN
    INSERT INTO message_word_keys (queue_id) VALUES (NEW.queue_id);
    INSERT INTO message_words (rowid, subject, addresses, body)
    SELECT ${wordsRowOf('NEW')}
    WHERE k.queue_id = NEW.queue_id;
  END;

  -- With its transaction's last copy (messages_drop_orphan_captured deletes the captured row).
  CREATE TRIGGER captured_unindex_words AFTER DELETE ON captured
  BEGIN
    DELETE FROM message_words WHERE rowid = (SELECT word_rowid FROM message_word_keys WHERE queue_id = OLD.queue_id);
    DELETE FROM message_word_keys WHERE queue_id = OLD.queue_id;
  END;
  `,

  // 7: the webhook delivery queue, written in the same transaction as the messages it delivers.
  `
  CREATE TABLE webhook_deliveries (
    id              TEXT    PRIMARY KEY,   -- dlv_...
    webhook_id      TEXT    NOT NULL,      -- in the accounts store
    message_id      TEXT    NOT NULL,      -- no foreign key: a message deleted first makes the delivery dropped
    inbox           TEXT    NOT NULL,
    created         INTEGER NOT NULL,      -- epoch milliseconds
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'dropped')),
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    lease_owner     TEXT,
    lease_until     INTEGER NOT NULL,      -- 0: not leased
    lease           INTEGER NOT NULL,      -- the claim's version: settling compares it
    last_attempts   TEXT    NOT NULL,      -- JSON DeliveryAttempt[]
    settled_at      INTEGER
  ) STRICT;
  -- Serves CLAIM_DELIVERIES_SQL (due first). Partial: settled deliveries are never claimed.
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
  -- Serves QUEUE_STATS_SQL (oldest pending).
  CREATE INDEX webhook_deliveries_pending_by_created ON webhook_deliveries (created) WHERE state = 'pending';
  -- Serves LIST_DELIVERIES_SQL (a webhook's log, newest first).
  CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, created DESC, id DESC);
  `,

  // 8: SpamAssassin's verdict per copy (JSON SpamVerdict), recorded after the save; NULL: not scored. The
  // column \`spam\` of migration 1 stays, always 0: nothing reads it.
  `
  ALTER TABLE messages ADD COLUMN spam_verdict TEXT;
  `,

  // 9: migration 2's and 5's attachment triggers run only for a copy that lists an attachment. Most mail has
  // none, and opening json_each on '[]' twice per insert cost ~15-30 us of the writer's ~140 (measured on
  // 1 KB saves in batches of 1-50); what they do for a copy with attachments is unchanged.
  `
  DROP TRIGGER messages_count_attachment_refs;
  CREATE TRIGGER messages_count_attachment_refs AFTER INSERT ON messages
  WHEN NEW.attachments <> '[]'
  BEGIN
    UPDATE attachment_blobs SET ref_count = ref_count + 1
    WHERE md5 IN (SELECT json_extract(value, '$.md5') FROM json_each(NEW.attachments));
  END;

  DROP TRIGGER messages_uncount_attachment_refs;
  CREATE TRIGGER messages_uncount_attachment_refs AFTER DELETE ON messages
  WHEN OLD.attachments <> '[]'
  BEGIN
    UPDATE attachment_blobs SET ref_count = ref_count - 1
    WHERE md5 IN (SELECT json_extract(value, '$.md5') FROM json_each(OLD.attachments));
  END;

  DROP TRIGGER messages_list_attachments;
  CREATE TRIGGER messages_list_attachments AFTER INSERT ON messages
  WHEN NEW.attachments <> '[]'
  BEGIN
    INSERT OR IGNORE INTO message_attachments (md5, message_id)
    SELECT json_extract(value, '$.md5'), NEW.id FROM json_each(NEW.attachments);
  END;

  DROP TRIGGER messages_unlist_attachments;
  CREATE TRIGGER messages_unlist_attachments AFTER DELETE ON messages
  WHEN OLD.attachments <> '[]'
  BEGIN
    DELETE FROM message_attachments
    WHERE message_id = OLD.id AND md5 IN (SELECT json_extract(value, '$.md5') FROM json_each(OLD.attachments));
  END;
  `,

  // 10: an inbox's public mail in listing order, for TRIM_INBOX_SQL. With messages_by_inbox alone the trim
  // read every message row of the inbox to skip starred ones: ~1.7 ms per capture to a full inbox of 1,000
  // (its steady state), ~0.3 ms with this index.
  `
  CREATE INDEX messages_public_by_inbox ON messages (inbox, received DESC, id DESC) WHERE saved_by IS NULL;
  `,

  // 11: settled webhook deliveries by when they settled, for PRUNE_SETTLED_DELIVERIES_SQL (their records
  // used to stay forever: one row per copy and webhook).
  `
  CREATE INDEX webhook_deliveries_settled ON webhook_deliveries (settled_at) WHERE state <> 'pending';
  `,
];

/** The schema version this build writes: the number of migrations. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * The `@until` bound when the caller gave none: later than any real message (epoch milliseconds), so one
 * statement shape serves both cases.
 */
export const NO_UNTIL = Number.MAX_SAFE_INTEGER;

/** Columns of `messages` in the order the insert binds them (named parameters match the column names). */
const MESSAGE_COLUMNS = [
  'id',
  'queue_id',
  'inbox',
  'original_inbox',
  'domain',
  'from_list',
  'to_list',
  'cc_list',
  'bcc_list',
  'subject',
  'received',
  'size',
  'attachments',
  'links',
  'ip',
  'via',
  'rtls',
  'spam',
  'spam_verdict',
  'folder',
  'labels',
  'read',
  'saved_by',
] as const;

export const INSERT_CAPTURED_SQL = `
  INSERT INTO captured (queue_id, raw, received, envelope, session, message_id, headers, text, html, parse_error)
  VALUES (@queue_id, @raw, @received, @envelope, @session, @message_id, @headers, @text, @html, @parse_error)`;

export const INSERT_MESSAGE_SQL = `
  INSERT INTO messages (${MESSAGE_COLUMNS.join(', ')})
  VALUES (${MESSAGE_COLUMNS.map((column) => `@${column}`).join(', ')})`;

/** Every copy of a transaction; served by messages_by_queue_id. */
export const RECORD_SPAM_VERDICT_SQL = `UPDATE messages SET spam_verdict = @verdict WHERE queue_id = @queue_id`;

export const INSERT_ATTACHMENT_BLOB_SQL = `INSERT OR IGNORE INTO attachment_blobs (md5, content) VALUES (@md5, @content)`;

/**
 * Which starred messages a listing or count shows: all of them when `@all_starred` is 1, else only those
 * `@starred_viewer` starred (none when NULL), besides public ones. A condition on the rows the index range
 * yields, so the LIMIT counts only what is shown and one statement serves both cases.
 */
const STARRED_VISIBLE = `(@all_starred = 1 OR saved_by IS NULL OR saved_by = @starred_viewer)`;

/**
 * An inbox, newest first; `@until` is exclusive and always bound (a far-future instant when the caller
 * gave none) so one statement serves both cases with an index range.
 */
export const LIST_INBOX_SQL = `
  SELECT * FROM messages
  WHERE inbox = @inbox AND received < @until AND ${STARRED_VISIBLE}
  ORDER BY received DESC, id DESC
  LIMIT @limit`;

export const COUNT_INBOX_SQL = `SELECT count(*) AS count FROM messages WHERE inbox = @inbox AND ${STARRED_VISIBLE}`;

/** A domain's inboxes together, in LIST_INBOX_SQL's order. */
/** A domain query's DomainScope: `@excluded` is a JSON array of inboxes left out ('[]' for none). */
const NOT_EXCLUDED = `inbox NOT IN (SELECT value FROM json_each(@excluded))`;

export const LIST_DOMAIN_SQL = `
  SELECT * FROM messages
  WHERE domain = @domain AND received < @until AND ${STARRED_VISIBLE} AND ${NOT_EXCLUDED}
  ORDER BY received DESC, id DESC
  LIMIT @limit`;

export const COUNT_DOMAIN_SQL = `SELECT count(*) AS count FROM messages WHERE domain = @domain AND ${NOT_EXCLUDED}`;

/** Messages an account starred, across all inboxes, newest first. */
export const LIST_STARRED_SQL = `
  SELECT * FROM messages
  WHERE saved_by = @saved_by AND received < @until
  ORDER BY received DESC, id DESC
  LIMIT @limit`;

export const GET_MESSAGE_SQL = `SELECT * FROM messages WHERE id = @id AND inbox = @inbox`;

export const GET_BODY_SQL = `
  SELECT c.text, c.html, c.headers
  FROM messages m JOIN captured c ON c.queue_id = m.queue_id
  WHERE m.id = @id AND m.inbox = @inbox`;

export const GET_RAW_SQL = `
  SELECT c.raw
  FROM messages m JOIN captured c ON c.queue_id = m.queue_id
  WHERE m.id = @id AND m.inbox = @inbox`;

export const GET_ATTACHMENT_BLOB_SQL = `SELECT content FROM attachment_blobs WHERE md5 = @md5`;

export const UPDATE_MESSAGE_SQL = `
  UPDATE messages SET folder = @folder, read = @read, saved_by = @saved_by, labels = @labels
  WHERE id = @id AND inbox = @inbox`;

export const DELETE_MESSAGE_SQL = `DELETE FROM messages WHERE id = @id AND inbox = @inbox`;

/** Starred messages are private property of an account: clearing an inbox never takes them. */
export const DELETE_INBOX_SQL = `DELETE FROM messages WHERE inbox = @inbox AND saved_by IS NULL`;

/** As DELETE_INBOX_SQL, for every inbox of a domain. */
export const DELETE_DOMAIN_MAIL_SQL = `DELETE FROM messages WHERE domain = @domain AND saved_by IS NULL AND ${NOT_EXCLUDED}`;

/**
 * An account's usage in one pass over the messages it concerns: those it starred, and those stored in
 * its inboxes (`@inboxes`) or domains (`@domains`), both JSON arrays. Their rowids come from one index
 * each, united so that a message in several sets counts once. INDEXED BY holds the planner to those
 * indexes even where statistics (one large domain elsewhere) would tempt it into scanning the table.
 */
export const USAGE_SQL = `
  WITH
    owned_inboxes AS (SELECT value FROM json_each(@inboxes)),
    owned_domains AS (SELECT value FROM json_each(@domains))
  SELECT
    count(*) AS private,
    count(*) FILTER (WHERE saved_by = @account_id) AS starred,
    count(*) FILTER (WHERE stored) AS stored,
    coalesce(sum(size) FILTER (WHERE stored), 0) AS bytes
  FROM (
    SELECT saved_by, size, (inbox IN owned_inboxes OR domain IN owned_domains) AS stored
    FROM messages
    WHERE rowid IN (
      SELECT rowid FROM messages INDEXED BY messages_by_starred WHERE saved_by = @account_id
      UNION SELECT rowid FROM messages INDEXED BY messages_by_inbox WHERE inbox IN owned_inboxes
      UNION SELECT rowid FROM messages INDEXED BY messages_by_domain WHERE domain IN owned_domains))`;

/**
 * One batch of public mail received before `@cutoff`, oldest first. By rowid, so the partial index covers
 * the inner query. The caller repeats it until a batch comes back short.
 */
export const PRUNE_OLDER_THAN_SQL = `
  DELETE FROM messages WHERE rowid IN (
    SELECT rowid FROM messages
    WHERE saved_by IS NULL AND received < @cutoff
    ORDER BY received
    LIMIT @limit)`;

/**
 * The public messages of an inbox after its newest `@keep` public ones, in LIST_INBOX_SQL's order (so ties
 * in `received` go by id, as the listing shows them). LIMIT -1: no limit, only the offset. Through the
 * partial index of public mail (migration 10), so the rows of starred mail are not read to be skipped.
 */
export const TRIM_INBOX_SQL = `
  DELETE FROM messages WHERE rowid IN (
    SELECT rowid FROM messages INDEXED BY messages_public_by_inbox
    WHERE inbox = @inbox AND saved_by IS NULL
    ORDER BY received DESC, id DESC
    LIMIT -1 OFFSET @keep)`;

/** One batch of deliveries settled before `@cutoff`; the caller repeats it until a batch comes back short. */
export const PRUNE_SETTLED_DELIVERIES_SQL = `
  DELETE FROM webhook_deliveries WHERE rowid IN (
    SELECT rowid FROM webhook_deliveries INDEXED BY webhook_deliveries_settled
    WHERE state <> 'pending' AND settled_at < @cutoff
    LIMIT @limit)`;

export const PRUNE_UNREFERENCED_BLOBS_SQL = `DELETE FROM attachment_blobs WHERE ref_count = 0`;

// ---- mailstats: public mail only ----------------------------------------------------------------------

/**
 * Public mail in a PublicScope: not starred, not in an excluded inbox or domain (`@excluded_inboxes`,
 * `@excluded_domains`: JSON arrays). `m` is the messages table.
 */
const PUBLIC_ONLY = `m.saved_by IS NULL
  AND m.inbox NOT IN (SELECT value FROM json_each(@excluded_inboxes))
  AND m.domain NOT IN (SELECT value FROM json_each(@excluded_domains))`;

/** Received within [@since, @until], both always bound (the widest range when the caller gave none). */
const RECEIVED_BETWEEN = `m.received >= @since AND m.received <= @until`;

/** A tally's page: most first, ties by key. By position: json_each has a column named `key` of its own. */
const TALLY_PAGE = `GROUP BY 1 ORDER BY 2 DESC, 1 ASC LIMIT @limit OFFSET @skip`;

/**
 * Public mail counted per inbox, sender or domain. The date range is an index range on
 * messages_public_by_received (public mail by age), whose partial condition PUBLIC_ONLY implies.
 */
export const TALLY_PUBLIC_MAIL_SQL = {
  inbox: `SELECT m.inbox AS key, count(*) AS n FROM messages m WHERE ${PUBLIC_ONLY} AND ${RECEIVED_BETWEEN} ${TALLY_PAGE}`,
  domain: `SELECT m.domain AS key, count(*) AS n FROM messages m WHERE ${PUBLIC_ONLY} AND ${RECEIVED_BETWEEN} ${TALLY_PAGE}`,
  sender: `
    SELECT json_extract(sender.value, '$.address') AS key, count(*) AS n
    FROM messages m, json_each(m.from_list) sender
    WHERE ${PUBLIC_ONLY} AND ${RECEIVED_BETWEEN} ${TALLY_PAGE}`,
} as const;

/** Public mail counted per attachment content; DISTINCT: one message carrying a content twice counts once. */
export const TALLY_PUBLIC_ATTACHMENTS_SQL = `
  SELECT json_extract(attachment.value, '$.md5') AS key, count(DISTINCT m.id) AS n
  FROM messages m, json_each(m.attachments) attachment
  WHERE ${PUBLIC_ONLY} AND ${RECEIVED_BETWEEN} ${TALLY_PAGE}`;

export const COUNT_PUBLIC_WITH_ATTACHMENT_SQL = `
  SELECT count(*) AS count
  FROM message_attachments a JOIN messages m ON m.id = a.message_id
  WHERE a.md5 = @md5 AND ${PUBLIC_ONLY}`;

export const LIST_PUBLIC_WITH_ATTACHMENT_SQL = `
  SELECT m.*
  FROM message_attachments a JOIN messages m ON m.id = a.message_id
  WHERE a.md5 = @md5 AND ${PUBLIC_ONLY}
  ORDER BY m.received DESC, m.id DESC
  LIMIT @limit`;

export const PING_SQL = `SELECT 1`;

// ---- webhook deliveries -------------------------------------------------------------------------------

export const INSERT_DELIVERY_SQL = `
  INSERT INTO webhook_deliveries (id, webhook_id, message_id, inbox, created, state, attempts, next_attempt_at,
    lease_owner, lease_until, lease, last_attempts, settled_at)
  VALUES (@id, @webhook_id, @message_id, @inbox, @created, 'pending', 0, @created, NULL, 0, 0, '[]', NULL)`;

/** A delivery that may be claimed at @now: pending, due, and not leased (or its lease ran out). */
const DELIVERY_DUE = `state = 'pending' AND next_attempt_at <= @now AND lease_until <= @now`;

/** Leases up to @limit due, unleased pending deliveries to @owner; one statement on the one writer: exclusive. */
export const CLAIM_DELIVERIES_SQL = `
  UPDATE webhook_deliveries SET lease_owner = @owner, lease_until = @until, lease = lease + 1
  WHERE id IN (
    SELECT id FROM webhook_deliveries
    WHERE ${DELIVERY_DUE}
    ORDER BY next_attempt_at
    LIMIT @limit)
  RETURNING *`;

/**
 * Whether CLAIM_DELIVERIES_SQL would claim anything, on the reading connection: the worker polls every second,
 * and an idle appliance then sends its writer thread nothing (see SqliteMessageStore's writerIdleMs).
 */
export const ANY_DUE_DELIVERY_SQL = `SELECT 1 AS due FROM webhook_deliveries WHERE ${DELIVERY_DUE} LIMIT 1`;

/** Compare-and-set on the lease: a worker whose lease ran out and was taken over writes nothing. */
export const SETTLE_DELIVERY_SQL = `
  UPDATE webhook_deliveries SET
    state = @state, attempts = attempts + 1, next_attempt_at = @next_attempt_at, lease_owner = NULL,
    lease_until = 0, last_attempts = @last_attempts, settled_at = @settled_at
  WHERE id = @id AND lease = @lease AND lease_owner = @owner`;

export const LIST_DELIVERIES_SQL = `
  SELECT * FROM webhook_deliveries WHERE webhook_id = @webhook_id ORDER BY created DESC, id DESC LIMIT @limit`;

export const QUEUE_STATS_SQL = `
  SELECT count(*) AS pending, min(created) AS oldest FROM webhook_deliveries WHERE state = 'pending'`;
