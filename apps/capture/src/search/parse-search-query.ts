// The search language (README "Search"), parsed into the store's filter vocabulary (store/message-search.ts).
// Pure: text in, a filter or a SearchQueryError (400) out. Terms are apart by white space and ANDed:
//   word, "a phrase"             words in the subject, the From/To/Cc addresses or the body (store/search-words.ts)
//   from: to: subject:           a case-insensitive substring of an address / the subject; "quoted" may hold spaces
//   label:                       one of the message's labels, whole, any case
//   is:starred is:unread is:read has:attachment
//   after: before:               2026-12-01 (a UTC day: after includes it, before does not), an ISO 8601 instant,
//                                or a time ago: 30m, 12h, 7d, 2w
//   larger: smaller:             bytes of the raw source, strictly: 500, 10k, 2.5M, 1G (k = 1024)
//   -term                        negates any term
import { MAX_CONDITION_LENGTH, wordsOf, type MessageFilter, type SearchCondition } from '../store';

/** The filter a query stands for, without its scope (access/ fills that in). */
export type SearchQuery = Omit<MessageFilter, 'scope'>;

/** Long enough for any query a person or a test writes; short enough that no query is costly to parse or run. */
export const MAX_QUERY_LENGTH = 1000;
/** Each term is one more condition in the store query. */
export const MAX_QUERY_TERMS = 20;
const MAX_LABEL_LENGTH = 100;
/** No message is this big: a larger bound is a typo. */
const MAX_SIZE_BYTES = 2 ** 40;

/** The query cannot be read: the HTTP 400 of the error table, with what is wrong. */
export class SearchQueryError extends Error {
  readonly failure = 'bad_request';
  override name = 'SearchQueryError';
}

interface Term {
  negated: boolean;
  /** Lower-case operator name, or null for a word or phrase. */
  operator: string | null;
  value: string;
  /** As written, for error messages. */
  text: string;
}

const OPERATOR = /^([A-Za-z]+):/;

/** Splits a query into terms: `-`? then `name:`? then a "quoted" or a bare value. */
function termsOf(query: string): Term[] {
  const terms: Term[] = [];
  let at = 0;
  while (at < query.length) {
    if (/\s/.test(query[at])) {
      at++;
      continue;
    }
    const start = at;
    const negated = query[at] === '-';
    if (negated) at++;
    const operator = OPERATOR.exec(query.slice(at))?.[1]?.toLowerCase() ?? null;
    if (operator !== null) at += operator.length + 1;
    let value: string;
    if (query[at] === '"') {
      const end = query.indexOf('"', at + 1);
      if (end < 0) throw new SearchQueryError(`Unterminated quote in: ${clip(query.slice(start))}`);
      value = query.slice(at + 1, end);
      at = end + 1;
      if (at < query.length && !/\s/.test(query[at])) throw new SearchQueryError(`Put a space after the closing quote in: ${clip(query.slice(start, at + 1))}`);
    } else {
      const end = query.slice(at).search(/\s/);
      value = end < 0 ? query.slice(at) : query.slice(at, at + end);
      at += value.length;
      if (value.includes('"')) throw new SearchQueryError(`Quote a whole term or value, not part of one: ${clip(query.slice(start, at))}`);
    }
    const text = query.slice(start, at);
    if (operator === null && value === '' && negated) throw new SearchQueryError('A "-" must be followed by the term it negates.');
    if (operator !== null && value === '') throw new SearchQueryError(`${operator}: needs a value: ${clip(text)}`);
    terms.push({ negated, operator, value, text });
    if (terms.length > MAX_QUERY_TERMS) throw new SearchQueryError(`A query has at most ${MAX_QUERY_TERMS} terms.`);
  }
  return terms;
}

/** Parses a search query; `now` anchors relative dates. An empty query is every message of the scope. */
export function parseSearchQuery(query: string, now: Date = new Date()): SearchQuery {
  if (query.length > MAX_QUERY_LENGTH) throw new SearchQueryError(`A query is at most ${MAX_QUERY_LENGTH} characters.`);
  const filter = new FilterBuilder();
  for (const term of termsOf(query)) filter.add(term, now);
  return filter.build();
}

class FilterBuilder {
  private readonly allOf: SearchCondition[] = [];
  private readonly noneOf: SearchCondition[] = [];
  private readonly flags: Pick<SearchQuery, 'read' | 'starred' | 'hasAttachment'> = {};
  private since?: Date;
  private until?: Date;
  private largerThan?: number;
  private smallerThan?: number;

  add(term: Term, now: Date): void {
    switch (term.operator) {
      case null:
        return this.condition(term, { field: 'words', words: wordsIn(term) });
      case 'from':
      case 'to':
      case 'subject':
        return this.condition(term, { field: term.operator, contains: bounded(term, MAX_CONDITION_LENGTH) });
      case 'label':
        return this.condition(term, { field: 'label', is: bounded(term, MAX_LABEL_LENGTH).trim() });
      case 'is':
        return this.is(term);
      case 'has':
        if (!/^attachments?$/i.test(term.value)) throw new SearchQueryError(`has: takes attachment, not ${clip(term.value)}`);
        return this.flag(term, 'hasAttachment', !term.negated);
      case 'after':
      case 'before':
        return this.date(term, instantOf(term, now));
      case 'larger':
      case 'smaller':
        return this.size(term, bytesOf(term));
      default:
        throw new SearchQueryError(
          `Unknown operator ${term.operator}: (use from, to, subject, label, is, has, after, before, larger or smaller; quote text that has a colon, "like:this")`,
        );
    }
  }

  build(): SearchQuery {
    const optional = <K extends keyof SearchQuery>(key: K, value: SearchQuery[K] | undefined) => (value === undefined ? {} : { [key]: value });
    return {
      ...(this.allOf.length > 0 ? { allOf: this.allOf } : {}),
      ...(this.noneOf.length > 0 ? { noneOf: this.noneOf } : {}),
      ...this.flags,
      ...optional('since', this.since),
      ...optional('until', this.until),
      ...optional('largerThan', this.largerThan),
      ...optional('smallerThan', this.smallerThan),
    };
  }

  private condition(term: Term, condition: SearchCondition): void {
    (term.negated ? this.noneOf : this.allOf).push(condition);
  }

  private is(term: Term): void {
    const value = term.value.toLowerCase();
    if (value === 'starred') return this.flag(term, 'starred', !term.negated);
    if (value === 'unread' || value === 'read') return this.flag(term, 'read', (value === 'read') !== term.negated);
    throw new SearchQueryError(`is: takes starred, unread or read, not ${clip(term.value)}`);
  }

  private flag(term: Term, key: keyof FilterBuilder['flags'], value: boolean): void {
    if (this.flags[key] !== undefined && this.flags[key] !== value) throw new SearchQueryError(`${clip(term.text)} contradicts an earlier term.`);
    this.flags[key] = value;
  }

  /** after: is an inclusive lower bound, before: an exclusive upper one; negated, each is the other. */
  private date(term: Term, instant: Date): void {
    if ((term.operator === 'after') !== term.negated) {
      if (!this.since || instant > this.since) this.since = instant;
    } else if (!this.until || instant < this.until) {
      this.until = instant;
    }
  }

  /** Strict bounds; "not larger than n" is "smaller than n + 1" (sizes are whole bytes), and the reverse. */
  private size(term: Term, bytes: number): void {
    if ((term.operator === 'larger') !== term.negated) {
      const above = term.negated ? bytes - 1 : bytes;
      this.largerThan = Math.max(this.largerThan ?? -1, above);
    } else {
      const below = term.negated ? bytes + 1 : bytes;
      this.smallerThan = Math.min(this.smallerThan ?? Infinity, below);
    }
  }
}

function wordsIn(term: Term): string[] {
  const words = wordsOf(bounded(term, MAX_CONDITION_LENGTH));
  if (words.length === 0) throw new SearchQueryError(`${clip(term.text)} has no letters or digits to search for.`);
  return words;
}

function bounded(term: Term, max: number): string {
  if (term.value.length > max) throw new SearchQueryError(`A term's text is at most ${max} characters: ${clip(term.text)}`);
  return term.value;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const AGO = /^(\d{1,6})([mhdw])$/i;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

function instantOf(term: Term, now: Date): Date {
  const ago = AGO.exec(term.value);
  if (ago) return new Date(now.getTime() - Number(ago[1]) * UNIT_MS[ago[2].toLowerCase()]);
  const iso = DAY.test(term.value) ? `${term.value}T00:00:00Z` : term.value;
  const time = /^\d{4}-\d{2}-\d{2}T/.test(iso) ? Date.parse(iso) : NaN;
  if (Number.isNaN(time)) throw new SearchQueryError(`${term.operator}: takes a day (2026-12-01), an ISO 8601 instant or a time ago (30m, 12h, 7d, 2w), not ${clip(term.value)}`);
  return new Date(time);
}

const SIZE = /^(\d{1,12}(?:\.\d{1,3})?)([kmg]?)b?$/i;
const UNIT_BYTES: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

function bytesOf(term: Term): number {
  const size = SIZE.exec(term.value);
  const bytes = size ? Math.round(Number(size[1]) * UNIT_BYTES[size[2].toLowerCase()]) : NaN;
  if (!(bytes <= MAX_SIZE_BYTES)) throw new SearchQueryError(`${term.operator}: takes a size (500, 10k, 2.5M, 1G), not ${clip(term.value)}`);
  return bytes;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}
