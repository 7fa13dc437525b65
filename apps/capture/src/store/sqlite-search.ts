// A MessageFilter as SQL for the embedded store: the scope picks rows through the indexes that serve it
// (an inbox, an account's inboxes, domains and stars, or every message by time), and the conditions filter
// those rows. Statements are prepared once per shape (how many conditions of which kind) and kept.
import type Database from 'better-sqlite3';
import type { MessageFilter, MessageSearch, SearchCondition, SearchScope } from './message-search';
import { starredViewerOf } from './message-store';
import type { MessageRow } from './sqlite-message-rows';
import { NO_UNTIL } from './sqlite-schema';

type Params = Record<string, string | number | null>;

interface SqlPart {
  sql: string;
  params: Params;
}


function scopePart(scope: SearchScope): SqlPart {
  switch (scope.kind) {
    case 'everything':
      return { sql: '1', params: {} };
    case 'inboxes':
      return { sql: 'inbox IN (SELECT value FROM json_each(@inboxes))', params: { inboxes: JSON.stringify(scope.inboxes) } };
    case 'domain':
      return {
        sql: 'domain = @domain AND inbox NOT IN (SELECT value FROM json_each(@excluded))',
        params: { domain: scope.domain, excluded: JSON.stringify(scope.excludeInboxes) },
      };
    case 'inbox': {
      const viewer = starredViewerOf(scope.starred);
      return viewer === undefined
        ? { sql: 'inbox = @inbox', params: { inbox: scope.inbox } }
        : { sql: 'inbox = @inbox AND (saved_by IS NULL OR saved_by = @starred_viewer)', params: { inbox: scope.inbox, starred_viewer: viewer } };
    }
    case 'account':
      // As USAGE_SQL: each branch read from the index that serves it, united so a message counts once.
      return {
        sql: `rowid IN (
          SELECT rowid FROM messages INDEXED BY messages_by_starred WHERE saved_by = @account_id
          UNION SELECT rowid FROM messages INDEXED BY messages_by_inbox WHERE inbox IN (SELECT value FROM json_each(@inboxes))
          UNION SELECT rowid FROM messages INDEXED BY messages_by_domain WHERE domain IN (SELECT value FROM json_each(@domains))
            AND inbox NOT IN (SELECT value FROM json_each(@excluded)))`,
        params: {
          account_id: scope.accountId,
          inboxes: JSON.stringify(scope.inboxes),
          domains: JSON.stringify(scope.domains),
          excluded: JSON.stringify(scope.excludeInboxes),
        },
      };
  }
}

/** LIKE is case-insensitive for ASCII; `\` escapes the pattern's own wildcards. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * A words condition as an FTS5 phrase. Words are letters and digits only (search-words.ts), so quoting them
 * is all it takes to keep FTS5's own syntax (NEAR, *, column filters) out of a caller's search.
 */
function ftsPhrase(words: readonly string[]): string {
  return `"${words.join(' ')}"`;
}

/** The bound value of a condition's parameter. */
function conditionParam(condition: SearchCondition): string {
  switch (condition.field) {
    case 'words':
      return ftsPhrase(condition.words);
    case 'label':
      return condition.is.toLowerCase();
    default:
      return likePattern(condition.contains);
  }
}

function conditionSql(condition: SearchCondition, param: string): string {
  const like = `LIKE @${param} ESCAPE '\\'`;
  const anyAddress = (column: string) => `EXISTS (SELECT 1 FROM json_each(${column}) WHERE json_extract(value, '$.address') ${like})`;
  switch (condition.field) {
    case 'to':
      return `(${anyAddress('to_list')} OR inbox ${like})`;
    case 'from':
      return anyAddress('from_list');
    case 'subject':
      return `subject ${like}`;
    case 'label':
      return `EXISTS (SELECT 1 FROM json_each(labels) WHERE lower(value) = @${param})`;
    case 'words':
      // The index holds one row per transaction (sqlite-schema.ts, migration 6): copies share their text.
      return `queue_id IN (SELECT queue_id FROM message_word_keys WHERE word_rowid IN (SELECT rowid FROM message_words WHERE message_words MATCH @${param}))`;
  }
}

/** The WHERE clause of a filter and its parameters. */
function wherePart(filter: MessageFilter): SqlPart {
  const scope = scopePart(filter.scope);
  const clauses = [scope.sql, 'received >= @since', 'received < @until'];
  const params: Params = { ...scope.params, since: filter.since?.getTime() ?? 0, until: filter.until?.getTime() ?? NO_UNTIL };
  if (filter.read !== undefined) {
    clauses.push('read = @read');
    params.read = filter.read ? 1 : 0;
  }
  if (filter.starred !== undefined) clauses.push(filter.starred ? 'saved_by IS NOT NULL' : 'saved_by IS NULL');
  if (filter.hasAttachment !== undefined) clauses.push(filter.hasAttachment ? "attachments <> '[]'" : "attachments = '[]'");
  if (filter.largerThan !== undefined) {
    clauses.push('size > @larger_than');
    params.larger_than = filter.largerThan;
  }
  if (filter.smallerThan !== undefined) {
    clauses.push('size < @smaller_than');
    params.smaller_than = filter.smallerThan;
  }
  const bind = (conditions: readonly SearchCondition[] | undefined, prefix: string): string[] =>
    (conditions ?? []).map((condition, n) => {
      params[`${prefix}${n}`] = conditionParam(condition);
      return conditionSql(condition, `${prefix}${n}`);
    });
  clauses.push(...bind(filter.allOf, 'all'));
  const anyOf = bind(filter.anyOf, 'any');
  if (anyOf.length > 0) clauses.push(`(${anyOf.join(' OR ')})`);
  clauses.push(...bind(filter.noneOf, 'none').map((sql) => `NOT (${sql})`));
  return { sql: clauses.join(' AND '), params };
}

export function searchSql(search: MessageSearch): SqlPart {
  const where = wherePart(search);
  const direction = search.order === 'newest' ? 'DESC' : 'ASC';
  return {
    sql: `SELECT * FROM messages WHERE ${where.sql} ORDER BY received ${direction}, id ${direction} LIMIT @limit OFFSET @skip`,
    params: { ...where.params, limit: search.limit, skip: search.skip ?? 0 },
  };
}

export function countSql(filter: MessageFilter): SqlPart {
  const where = wherePart(filter);
  return { sql: `SELECT count(*) AS count FROM messages WHERE ${where.sql}`, params: where.params };
}

/** Prepares each shape of search once per connection. Shapes are few: conditions are bounded by the API. */
export class SqliteSearches {
  private readonly statements = new Map<string, Database.Statement<Params>>();

  constructor(private readonly db: Database.Database) {}

  search(search: MessageSearch): MessageRow[] {
    const { sql, params } = searchSql(search);
    return this.statement(sql).all(params) as MessageRow[];
  }

  count(filter: MessageFilter): number {
    const { sql, params } = countSql(filter);
    return (this.statement(sql).get(params) as { count: number } | undefined)?.count ?? 0;
  }

  private statement(sql: string): Database.Statement<Params> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare<Params>(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
