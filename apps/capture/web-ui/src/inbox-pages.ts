// Paging an inbox newest-first with the API's `until` (strictly older than), without ever reading the
// whole inbox. Pure functions, so the rules are easy to see.
import type { EmailMessage } from './api-client';

export const PAGE_SIZE = 50;
/** The API's own cap on `limit`. */
const MAX_LIMIT = 1000;

/** Newest first, ties by id descending: the order the API lists in. */
export function newestFirst(a: EmailMessage, b: EmailMessage): number {
  const byTime = Date.parse(b.received) - Date.parse(a.received);
  if (byTime !== 0) return byTime;
  return a._id < b._id ? 1 : a._id > b._id ? -1 : 0;
}

/** The loaded list plus `incoming` (a fresh first page, a live message), without duplicates, in order. */
export function mergeMessages(loaded: EmailMessage[], incoming: EmailMessage[]): EmailMessage[] {
  const known = new Set(loaded.map((message) => message._id));
  const added = incoming.filter((message) => !known.has(message._id));
  if (added.length === 0) return loaded;
  return [...loaded, ...added].sort(newestFirst);
}

/**
 * The query for the page after `loaded`. The API's `until` is exclusive, so asking from the oldest loaded
 * instant would skip other messages received in that same millisecond. Instead ask from one millisecond
 * later, for as many more as there are loaded messages of that millisecond: the API lists those again
 * first (same order), mergeMessages drops them, and exactly one page of new ones remains.
 */
export function nextPageQuery(loaded: EmailMessage[]): { until?: string; limit: number } {
  const oldest = loaded[loaded.length - 1];
  if (!oldest) return { limit: PAGE_SIZE };
  const sameInstant = loaded.filter((message) => message.received === oldest.received).length;
  return { until: new Date(Date.parse(oldest.received) + 1).toISOString(), limit: Math.min(MAX_LIMIT, PAGE_SIZE + sameInstant) };
}
