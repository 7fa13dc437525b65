// Path and query input, validated once where it enters. Handlers receive checked, typed values.
import { z } from 'zod';
import { isValidMailbox } from '../domain/mailbox';
import { isMessageId } from '../domain/message-id';
import { MESSAGE_FOLDERS, type MessageFolder } from '../domain/captured-message';
import { badRequest } from './api-errors';

const MAX_LABEL_LENGTH = 100;
export const DEFAULT_LIST_LIMIT = 20;
export const MAX_LIST_LIMIT = 1000;

export function parseEmail(value: string): string {
  if (!isValidMailbox(value)) throw badRequest(`Invalid email address: ${truncate(value)}`);
  return value;
}

export function parseMessageId(value: string): string {
  if (!isMessageId(value)) throw badRequest(`Invalid message id: ${truncate(value)}`);
  return value;
}

export function parseFolder(value: string): MessageFolder {
  if (!(MESSAGE_FOLDERS as readonly string[]).includes(value)) throw badRequest(`Invalid folder, use one of: ${MESSAGE_FOLDERS.join(', ')}`);
  return value as MessageFolder;
}

export function parseLabel(value: string): string {
  const label = value.trim();
  if (label.length === 0 || label.length > MAX_LABEL_LENGTH) throw badRequest(`A label is 1 to ${MAX_LABEL_LENGTH} characters`);
  return label;
}

export function parseReadFlag(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw badRequest('read must be true or false');
}

const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(0).max(MAX_LIST_LIMIT).default(DEFAULT_LIST_LIMIT),
  until: z
    .string()
    .refine((value) => !Number.isNaN(Date.parse(value)), 'until must be an ISO 8601 date')
    .transform((value) => new Date(value))
    .optional(),
});

export interface ListQuery {
  limit: number;
  until?: Date;
}

export function parseListQuery(query: Record<string, unknown>): ListQuery {
  const result = ListQuerySchema.safeParse({ limit: emptyToUndefined(query.limit), until: emptyToUndefined(query.until) });
  if (!result.success) {
    throw badRequest('Invalid query', issuesOf(result.error));
  }
  return result.data;
}

const MD5 = /^[0-9a-f]{32}$/i;

export function parseMd5(value: string): string {
  if (!MD5.test(value)) throw badRequest(`Invalid md5 sum: ${truncate(value)}`);
  return value.toLowerCase();
}

const isoDate = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 date')
  .transform((value) => new Date(value));

/** Mailsac's mailstats paging: `startDate`/`endDate` (both inclusive), `skip`, `limit`. */
export interface StatsQuery {
  since?: Date;
  until?: Date;
  skip: number;
  limit: number;
}

export function parseStatsQuery(query: Record<string, unknown>, options: { datesRequired: boolean }): StatsQuery {
  const date = options.datesRequired ? isoDate : isoDate.optional();
  const schema = z.object({
    startDate: date,
    endDate: date,
    skip: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(0).max(MAX_LIST_LIMIT).default(DEFAULT_LIST_LIMIT),
  });
  const result = schema.safeParse({
    startDate: emptyToUndefined(query.startDate),
    endDate: emptyToUndefined(query.endDate),
    skip: emptyToUndefined(query.skip),
    limit: emptyToUndefined(query.limit),
  });
  if (!result.success) throw badRequest('Invalid query', issuesOf(result.error));
  const { startDate, endDate, skip, limit } = result.data;
  return { since: startDate, until: endDate, skip, limit };
}

/** A JSON body `{ [field]: string[] }` of 1 to `max` strings, as Mailsac's bulk routes take. */
export function parseStringListBody(body: unknown, field: string, max: number): string[] {
  const schema = z.object({ [field]: z.array(z.string().max(1000)).min(1).max(max) });
  const result = schema.safeParse(body ?? {});
  if (!result.success) throw badRequest(`The body must be {"${field}": [...]} with 1 to ${max} addresses`, issuesOf(result.error));
  return result.data[field];
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
