// Path and query input, validated once where it enters. Handlers receive checked, typed values.
import { z } from 'zod';
import { isValidMailbox } from '../domain/mailbox';
import { isMessageId } from '../domain/message-id';
import { MESSAGE_FOLDERS, type MessageFolder } from '../domain/captured-message';
import { checkCallerPattern, MAX_PATTERN_LENGTH, type CallerPattern } from '../codes';
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
    throw badRequest('Invalid query', result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  return result.data;
}

const CodesQuerySchema = z.object({
  pattern: z.string().max(MAX_PATTERN_LENGTH, `pattern is at most ${MAX_PATTERN_LENGTH} characters`).optional(),
  flags: z.string().default(''),
});

/** `?pattern=<JavaScript regex>&flags=<imsu>`: the caller's own pattern, checked before it is run; none means the heuristic. */
export function parseCodesQuery(query: Record<string, unknown>): CallerPattern | undefined {
  const result = CodesQuerySchema.safeParse({ pattern: emptyToUndefined(query.pattern), flags: emptyToUndefined(query.flags) });
  if (!result.success) {
    throw badRequest('Invalid query', result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  if (result.data.pattern === undefined) {
    if (result.data.flags !== '') throw badRequest('flags needs a pattern');
    return undefined;
  }
  const pattern = { source: result.data.pattern, flags: result.data.flags };
  checkCallerPattern(pattern);
  return pattern;
}

function emptyToUndefined(value: unknown): unknown {
  return value === '' ? undefined : value;
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 80)}...` : value;
}
