// Two filters that must both hold, as one: what a route's own conditions (a wait's cursor and fields, a
// listing's `until`) and a caller's search query add up to.
import type { SearchQuery } from './parse-search-query';

export function bothOf(a: SearchQuery, b: SearchQuery): SearchQuery {
  const later = (x?: Date, y?: Date) => (x && y ? (x > y ? x : y) : (x ?? y));
  const earlier = (x?: Date, y?: Date) => (x && y ? (x < y ? x : y) : (x ?? y));
  const larger = (x?: number, y?: number) => (x !== undefined && y !== undefined ? Math.max(x, y) : (x ?? y));
  const smaller = (x?: number, y?: number) => (x !== undefined && y !== undefined ? Math.min(x, y) : (x ?? y));
  const combined: SearchQuery = {
    ...a,
    ...b,
    allOf: [...(a.allOf ?? []), ...(b.allOf ?? [])],
    noneOf: [...(a.noneOf ?? []), ...(b.noneOf ?? [])],
    since: later(a.since, b.since),
    until: earlier(a.until, b.until),
    largerThan: larger(a.largerThan, b.largerThan),
    smallerThan: smaller(a.smallerThan, b.smallerThan),
  };
  // Flags both set and different can never both hold: no message matches, which an empty size range says.
  for (const flag of ['read', 'starred', 'hasAttachment'] as const) {
    if (a[flag] !== undefined && b[flag] !== undefined && a[flag] !== b[flag]) combined.smallerThan = 0;
  }
  if (a.anyOf?.length && b.anyOf?.length) throw new Error('bothOf: only one side may have anyOf');
  return Object.fromEntries(Object.entries(combined).filter(([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0))) as SearchQuery;
}
