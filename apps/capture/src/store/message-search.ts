// The store's search vocabulary: which mail a search looks at (its scope, built by access/ from what the
// reader may see) and the conditions it filters by. Both adapters turn a MessageFilter into one indexed
// query (sqlite-search.ts, mongo-search.ts); `matchesFilter` is the same rule on one message in memory, for
// deciding whether a message just captured can wake a wait before asking the store. Word conditions look at
// the body too, which a summary lacks: there matchesFilter can only say "could match" (the wait wakes and
// asks the store, which knows).
import type { MailAddress, StoredMessage } from '../domain';
import { wordsOf } from './search-words';
import type { StarredVisibility } from './message-store';

/** Which messages a search looks at. */
export type SearchScope =
  /** An admin: all mail. */
  | { kind: 'everything' }
  /** Any of these inboxes, every message (what another replica captured for the waits open here). */
  | { kind: 'inboxes'; inboxes: readonly string[] }
  /** A custom domain's inboxes but those another account reserved, as its owner sees them. */
  | { kind: 'domain'; domain: string; excludeInboxes: readonly string[] }
  /** One inbox as its reader sees it (the starred filter of listInbox). */
  | { kind: 'inbox'; inbox: string; starred: StarredVisibility }
  /**
   * An account's own mail: its private addresses, its domains' inboxes but those another account reserved
   * (`excludeInboxes`), and whatever it starred.
   */
  | { kind: 'account'; accountId: string; inboxes: readonly string[]; domains: readonly string[]; excludeInboxes: readonly string[] };

/** The summary fields a condition can look at; `to` is also true when the inbox itself contains the text (Mailsac). */
export type SearchField = 'to' | 'from' | 'subject';
export const SEARCH_FIELDS: readonly SearchField[] = ['to', 'from', 'subject'];

/** Case-insensitive substring of a field: an address of `from`/`to` (or the inbox), or the subject. */
export interface FieldCondition {
  field: SearchField;
  contains: string;
}

/** One of the message's labels, compared case-insensitively as a whole. */
export interface LabelCondition {
  field: 'label';
  is: string;
}

/**
 * Full text: these words, in this order and next to each other (a phrase; one word alone is the common
 * case), in the subject, the From/To/Cc addresses or the body (the plain-text part, else the HTML source;
 * its first MAX_INDEXED_BODY characters). Words are what `wordsOf` makes of text (search-words.ts).
 */
export interface WordsCondition {
  field: 'words';
  words: readonly string[];
}

export type SearchCondition = FieldCondition | LabelCondition | WordsCondition;

export interface MessageFilter {
  scope: SearchScope;
  /** Every condition holds. */
  allOf?: readonly SearchCondition[];
  /** When present and not empty, at least one holds. */
  anyOf?: readonly SearchCondition[];
  /** None of these holds (negated terms). */
  noneOf?: readonly SearchCondition[];
  /** Only starred (true) or public (false) messages. */
  starred?: boolean;
  /** Only messages with (true) or without (false) attachments. */
  hasAttachment?: boolean;
  /** Raw size in bytes strictly above / strictly below. */
  largerThan?: number;
  smallerThan?: number;
  /** Received at or after this instant. */
  since?: Date;
  /** Received strictly before this instant. */
  until?: Date;
  /** Only unread (true) or read (false) messages. */
  read?: boolean;
}

export interface MessageSearch extends MessageFilter {
  /** newest: received then id descending (the listings' order); oldest: the reverse. */
  order: 'newest' | 'oldest';
  /** At most this many (the caller bounds it); `skip` the first ones. */
  limit: number;
  skip?: number;
}

/** The longest text a condition may carry: searches are for finding mail, not for pasting bodies. */
export const MAX_CONDITION_LENGTH = 256;

/** The longest body prefix either store indexes for word conditions, in characters. */
export const MAX_INDEXED_BODY = 100_000;

/**
 * Whether one message is in the filter's scope and meets its conditions: the adapters' rule, in memory.
 * Exact for every condition but words, which need the body: a words condition (wanted or negated) is taken
 * as possibly met, so the answer is "could match" and the store has the last word.
 */
export function matchesFilter(message: StoredMessage, filter: MessageFilter): boolean {
  if (!inScope(message, filter.scope)) return false;
  if (filter.since && message.received.getTime() < filter.since.getTime()) return false;
  if (filter.until && message.received.getTime() >= filter.until.getTime()) return false;
  if (filter.read !== undefined && message.read !== filter.read) return false;
  if (filter.starred !== undefined && (message.savedBy !== null) !== filter.starred) return false;
  if (filter.hasAttachment !== undefined && message.attachments.length > 0 !== filter.hasAttachment) return false;
  if (filter.largerThan !== undefined && !(message.size > filter.largerThan)) return false;
  if (filter.smallerThan !== undefined && !(message.size < filter.smallerThan)) return false;
  if ((filter.allOf ?? []).some((condition) => meets(message, condition) === false)) return false;
  if ((filter.noneOf ?? []).some((condition) => meets(message, condition) === true)) return false;
  const anyOf = filter.anyOf ?? [];
  return anyOf.length === 0 || anyOf.some((condition) => meets(message, condition) !== false);
}

/** Whether a filter has conditions matchesFilter cannot decide from a summary alone. */
export function needsBody(filter: MessageFilter): boolean {
  return [filter.allOf, filter.anyOf, filter.noneOf].some((list) => (list ?? []).some((condition) => condition.field === 'words'));
}

function inScope(message: StoredMessage, scope: SearchScope): boolean {
  switch (scope.kind) {
    case 'everything':
      return true;
    case 'inboxes':
      return scope.inboxes.includes(message.inbox);
    case 'domain':
      return message.domain === scope.domain && !scope.excludeInboxes.includes(message.inbox);
    case 'inbox': {
      if (message.inbox !== scope.inbox) return false;
      if (!('starredVisibleTo' in scope.starred)) return true;
      return message.savedBy === null || message.savedBy === (scope.starred.starredVisibleTo ?? null);
    }
    case 'account':
      return (
        message.savedBy === scope.accountId ||
        scope.inboxes.includes(message.inbox) ||
        (scope.domains.includes(message.domain) && !scope.excludeInboxes.includes(message.inbox))
      );
  }
}

/** Whether the message meets the condition; undefined when its summary cannot tell (words). */
function meets(message: StoredMessage, condition: SearchCondition): boolean | undefined {
  if (condition.field === 'words') return summaryHasPhrase(message, condition.words) || undefined;
  if (condition.field === 'label') return message.labels.some((label) => label.toLowerCase() === condition.is.toLowerCase());
  const needle = condition.contains.toLowerCase();
  const has = (value: string) => value.toLowerCase().includes(needle);
  const anyAddress = (list: MailAddress[]) => list.some((address) => has(address.address));
  switch (condition.field) {
    case 'to':
      return anyAddress(message.to) || has(message.inbox);
    case 'from':
      return anyAddress(message.from);
    case 'subject':
      return has(message.subject);
  }
}

/** A phrase found in the subject or an address is certainly there; elsewhere only the body can tell. */
function summaryHasPhrase(message: StoredMessage, phrase: readonly string[]): boolean {
  const addresses = [...message.from, ...message.to, ...message.cc].map((address) => address.address);
  return [message.subject, ...addresses].some((text) => ` ${wordsOf(text).join(' ')} `.includes(` ${phrase.join(' ')} `));
}
