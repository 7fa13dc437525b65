// Path and query input, validated once where it enters. Handlers receive checked, typed values.
import { z } from 'zod';
import { isValidMailbox, MESSAGE_FOLDERS, MESSAGE_ID, type MessageFolder } from '../domain';
import { MAX_CONDITION_LENGTH, type FieldCondition } from '../store';
import { checkCallerPattern, MAX_PATTERN_LENGTH, type CallerPattern } from '../codes';
import { MAX_QUERY_LENGTH, parseSearchQuery, type SearchQuery } from '../search';
import { HEADERS_FORMATS, type HeadersFormat } from '../views';
import { badRequest } from './api-errors';

const MAX_LABEL_LENGTH = 100;
export const DEFAULT_LIST_LIMIT = 20;
export const MAX_LIST_LIMIT = 1000;

/** A path parameter: a string `valid` accepts; the 400 names the value it refused. */
const pathText = (valid: (value: string) => boolean, refusal: string, description: string) =>
  z.string().refine(valid, { error: (issue) => `${refusal}: ${truncate(String(issue.input))}` }).meta({ description });

/** Checks a path parameter with its schema (the one its route's @ApiOperation declares); the 400 says why. */
export function parseParam<T extends z.ZodType<unknown, string>>(schema: T, value: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(result.error.issues[0]?.message ?? 'Invalid path parameter');
  return result.data;
}

// `format: email` tells clients (and the fuzzer) what to send; non-ASCII addresses are taken too.
export const EmailParam = pathText(isValidMailbox, 'Invalid email address', 'An email address: the inbox').meta({ format: 'email' });
export const MessageIdParam = z
  .string()
  .regex(MESSAGE_ID, { error: (issue) => `Invalid message id: ${truncate(String(issue.input))}` })
  .meta({ description: "A message's id (`_id`)" });
export const FolderParam = z.enum(MESSAGE_FOLDERS, { error: `Invalid folder, use one of: ${MESSAGE_FOLDERS.join(', ')}` });
export const LabelParam = z
  .string()
  .trim()
  .min(1, `A label is 1 to ${MAX_LABEL_LENGTH} characters`)
  .max(MAX_LABEL_LENGTH, `A label is 1 to ${MAX_LABEL_LENGTH} characters`);
export const ReadFlagParam = z.enum(['true', 'false'], { error: 'read must be true or false' }).transform((value) => value === 'true');
export const Md5Param = z
  .string()
  .regex(/^[0-9a-f]{32}$/i, { error: (issue) => `Invalid md5 sum: ${truncate(String(issue.input))}` })
  .transform((value) => value.toLowerCase());

export const parseEmail = (value: string): string => parseParam(EmailParam, value);
export const parseMessageId = (value: string): string => parseParam(MessageIdParam, value);
export const parseFolder = (value: string): MessageFolder => parseParam(FolderParam, value);
export const parseLabel = (value: string): string => parseParam(LabelParam, value);
export const parseReadFlag = (value: string): boolean => parseParam(ReadFlagParam, value);
export const parseMd5 = (value: string): string => parseParam(Md5Param, value);

/** A search in the language of search/ (README "Search"), parsed into the store's filter. */
const searchText = z
  .string()
  .max(MAX_QUERY_LENGTH)
  .transform((text) => ({ text, filter: parseSearchQuery(text) }));

const isoDate = (name: string) =>
  z
    .string()
    .refine((value) => !Number.isNaN(Date.parse(value)), `${name} must be an ISO 8601 date`)
    .transform((value) => new Date(value));

export const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(0).max(MAX_LIST_LIMIT).default(DEFAULT_LIST_LIMIT),
  until: isoDate('until').optional(),
  /** Capturebox's own addition to Mailsac's inbox listing: only messages that match a search. */
  query: searchText.optional(),
});

export interface ListQuery {
  limit: number;
  until?: Date;
  /** Present when the listing is searched (`?query=`). */
  search?: SearchQuery;
}

export function parseListQuery(query: Record<string, unknown>): ListQuery {
  const { query: search, ...page } = parseQuery(ListQuerySchema, { limit: query.limit, until: query.until, query: query.query });
  return search ? { ...page, search: search.filter } : page;
}

/** Capturebox's `GET /api/search`: a search over the caller's own mail, paged. */
export const SearchRequestSchema = z.object({
  query: searchText.default({ text: '', filter: {} }),
  limit: z.coerce.number().int().min(0).max(MAX_LIST_LIMIT).default(DEFAULT_LIST_LIMIT),
  skip: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export function parseSearchRequest(query: Record<string, unknown>): { text: string; filter: SearchQuery; limit: number; skip: number } {
  const parsed = parseQuery(SearchRequestSchema, query);
  return { ...parsed.query, limit: parsed.limit, skip: parsed.skip };
}

/** Parses a query with a schema; every problem is named in the 400. Empty strings count as absent. */
export function parseQuery<T extends z.ZodType>(schema: T, query: Record<string, unknown>): z.output<T> {
  const present = Object.fromEntries(Object.entries(query).map(([key, value]) => [key, emptyToUndefined(value)]));
  const result = schema.safeParse(present);
  if (!result.success) {
    throw badRequest('Invalid query', result.error.issues.map((issue) => `${issue.path.join('.') || 'query'}: ${issue.message}`));
  }
  return result.data;
}

const conditionText = z.string().max(MAX_CONDITION_LENGTH);
const booleanText = z.enum(['true', 'false']).transform((value) => value === 'true');

/** Mailsac's account-wide listing (`GET /api/inbox`): paging as its other listings, and `since`. */
export const AccountInboxQuerySchema = z.object({
  limit: z.coerce.number().int().min(0).max(MAX_LIST_LIMIT).default(DEFAULT_LIST_LIMIT),
  skip: z.coerce.number().int().min(0).max(1_000_000).default(0),
  since: isoDate('since').optional(),
});

export function parseAccountInboxQuery(query: Record<string, unknown>): z.output<typeof AccountInboxQuerySchema> {
  return parseQuery(AccountInboxQuerySchema, query);
}

/** Mailsac's `GET /api/inbox-filter`: the conditions, ANDed; at least one is required. */
export const InboxFilterQuerySchema = z.object({
  andSubjectIncludes: conditionText.optional(),
  andFrom: conditionText.optional(),
  andTo: conditionText.optional(),
  andRead: booleanText.optional(),
});

export function parseInboxFilterQuery(query: Record<string, unknown>): { allOf: FieldCondition[]; read?: boolean } {
  const parsed = parseQuery(InboxFilterQuerySchema, query);
  const allOf = conditionsOf({ subject: parsed.andSubjectIncludes, from: parsed.andFrom, to: parsed.andTo });
  if (allOf.length === 0 && parsed.andRead === undefined) throw badRequest('Give at least one condition: andSubjectIncludes, andFrom, andTo or andRead.');
  return { allOf, read: parsed.andRead };
}

/** Mailsac's `GET /api/inbox-search`: one text matched against to, from and subject, ORed. */
export const InboxSearchQuerySchema = z.object({ query: conditionText.default('') });

export function parseInboxSearchQuery(query: Record<string, unknown>): string {
  return parseQuery(InboxSearchQuerySchema, query).query;
}

/** `?download=1`: send the content as a file (Content-Disposition: attachment). */
const downloadFlag = z.string().optional().meta({ description: '`1` sends it as a download' });
export const DownloadQuerySchema = z.object({ download: downloadFlag });

export const HeadersQuerySchema = z.object({
  messageHeadersFormat: z.enum(HEADERS_FORMATS, { error: `messageHeadersFormat must be one of: ${HEADERS_FORMATS.join(', ')}` }).default('json'),
  download: downloadFlag,
});

export function parseHeadersQuery(query: Record<string, unknown>): { format: HeadersFormat; download?: string } {
  const parsed = parseQuery(HeadersQuerySchema, { messageHeadersFormat: query.messageHeadersFormat, download: query.download });
  return { format: parsed.messageHeadersFormat, download: parsed.download };
}

/** Path parameters taken as given (the route looks them up; what is not found is a 404). */
export const AttachmentParam = z.string().meta({ description: "An attachment's md5 sum or content id" });

/** The longest a wait may be asked to last: long-polls past this are cut by proxies anyway. */
export const MAX_WAIT_SECONDS = 120;
export const DEFAULT_WAIT_SECONDS = 30;

/** Capturebox's waits (`GET /api/wait`, `GET /api/addresses/:email/wait`). */
export const WaitQuerySchema = z.object({
  since: isoDate('since').optional(),
  to: conditionText.optional(),
  from: conditionText.optional(),
  subject: conditionText.optional(),
  text: conditionText.optional(),
  /** A search (README "Search") the message must match, besides the other conditions. */
  query: searchText.optional(),
  timeout: z.coerce.number().min(0).max(MAX_WAIT_SECONDS).default(DEFAULT_WAIT_SECONDS),
});

export interface WaitQuery {
  since?: Date;
  allOf: FieldCondition[];
  search?: SearchQuery;
  bodyContains?: string;
  timeoutMs: number;
}

export function parseWaitQuery(query: Record<string, unknown>): WaitQuery {
  const parsed = parseQuery(WaitQuerySchema, query);
  return {
    since: parsed.since,
    allOf: conditionsOf({ to: parsed.to, from: parsed.from, subject: parsed.subject }),
    search: parsed.query?.filter,
    bodyContains: parsed.text,
    timeoutMs: Math.round(parsed.timeout * 1000),
  };
}

function conditionsOf(texts: Record<FieldCondition['field'], string | undefined>): FieldCondition[] {
  return (Object.entries(texts) as [FieldCondition['field'], string | undefined][]).flatMap(([field, contains]) => (contains ? [{ field, contains }] : []));
}

export const CodesQuerySchema = z.object({
  pattern: z.string().max(MAX_PATTERN_LENGTH, `pattern is at most ${MAX_PATTERN_LENGTH} characters`).optional(),
  flags: z.string().default(''),
});

/** `?pattern=<JavaScript regex>&flags=<imsu>`: the caller's own pattern, checked before it is run; none means the heuristic. */
export function parseCodesQuery(query: Record<string, unknown>): CallerPattern | undefined {
  const parsed = parseQuery(CodesQuerySchema, { pattern: query.pattern, flags: query.flags });
  if (parsed.pattern === undefined) {
    if (parsed.flags !== '') throw badRequest('flags needs a pattern');
    return undefined;
  }
  const pattern = { source: parsed.pattern, flags: parsed.flags };
  checkCallerPattern(pattern);
  return pattern;
}

/** Mailsac's mailstats paging: `startDate`/`endDate` (both inclusive), `skip`, `limit`. */
export interface StatsQuery {
  since?: Date;
  until?: Date;
  skip: number;
  limit: number;
}

const statsQuerySchema = (date: (name: string) => z.ZodType<Date | undefined, string | undefined>) =>
  z.object({
    startDate: date('startDate'),
    endDate: date('endDate'),
    skip: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(0).max(MAX_LIST_LIMIT).default(DEFAULT_LIST_LIMIT),
  });
/** The common-attachments tally, which needs its dates. */
export const DatedStatsQuerySchema = statsQuerySchema(isoDate);
/** The top-addresses, senders and domains tallies. */
export const StatsQuerySchema = statsQuerySchema((name) => isoDate(name).optional());

export function parseStatsQuery(schema: typeof DatedStatsQuerySchema | typeof StatsQuerySchema, query: Record<string, unknown>): StatsQuery {
  const { startDate, endDate, skip, limit } = parseQuery(schema, { startDate: query.startDate, endDate: query.endDate, skip: query.skip, limit: query.limit });
  return { since: startDate, until: endDate, skip, limit };
}

/** A JSON body `{ [field]: string[] }` of 1 to `max` strings, as Mailsac's bulk routes take: its schema and its parser. */
export function stringListBody(field: string, max: number) {
  const schema = z.object({ [field]: z.array(z.string().max(1000)).min(1).max(max) }).meta({ description: `{"${field}": [...]} with 1 to ${max} addresses` });
  const parse = (body: unknown): string[] => {
    return parseBody(schema, body, `The body must be {"${field}": [...]} with 1 to ${max} addresses`)[field] as string[];
  };
  return { schema, parse };
}

function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
}

function emptyToUndefined(value: unknown): unknown {
  return value === '' ? undefined : value;
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 80)}...` : value;
}

/** A JSON body checked against its schema; every problem is named in the 400, after `message`. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, message = 'Invalid request body'): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw badRequest(message, issuesOf(parsed.error));
  return parsed.data;
}
