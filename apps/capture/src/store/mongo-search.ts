// A MessageFilter as a MongoDB query: the scope as the conditions its indexes serve (an inbox, an account's
// inboxes, domains and stars as $or branches, or every message by time), and the conditions as
// case-insensitive regular expressions of the escaped text.
import type { Filter, Sort } from 'mongodb';
import type { MessageFilter, MessageSearch, SearchCondition, SearchScope } from './message-search';
import { starredViewerOf } from './message-store';
import type { MessageDocument } from './mongo-schema';

function scopeFilter(scope: SearchScope): Filter<MessageDocument> {
  switch (scope.kind) {
    case 'everything':
      return {};
    case 'inboxes':
      return { inbox: { $in: [...scope.inboxes] } };
    case 'domain':
      return { domain: scope.domain, ...(scope.excludeInboxes.length > 0 ? { inbox: { $nin: [...scope.excludeInboxes] } } : {}) };
    case 'inbox': {
      const viewer = starredViewerOf(scope.starred);
      if (viewer === undefined) return { inbox: scope.inbox };
      return { inbox: scope.inbox, savedBy: viewer === null ? null : { $in: [null, viewer] } };
    }
    case 'account': {
      const branches: Filter<MessageDocument>[] = [{ savedBy: scope.accountId }];
      if (scope.inboxes.length > 0) branches.push({ inbox: { $in: [...scope.inboxes] } });
      if (scope.domains.length > 0) {
        branches.push({
          domain: { $in: [...scope.domains] },
          ...(scope.excludeInboxes.length > 0 ? { inbox: { $nin: [...scope.excludeInboxes] } } : {}),
        });
      }
      return { $or: branches };
    }
  }
}

function containing(text: string): { $regex: string; $options: string } {
  return { $regex: escaped(text), $options: 'i' };
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Every word through the multikey index; a phrase of several also in order, next to each other, in one part
 * of searchText (words are letters and digits, so they need no escaping; " | " parts never match " ").
 */
function wordsFilter(words: readonly string[]): Filter<MessageDocument> {
  const all: Filter<MessageDocument> = { searchWords: { $all: [...words] } };
  return words.length === 1 ? all : { ...all, searchText: { $regex: `(^| )${words.join(' ')}( |$)` } };
}

function conditionFilter(condition: SearchCondition): Filter<MessageDocument> {
  if (condition.field === 'words') return wordsFilter(condition.words);
  if (condition.field === 'label') return { labels: { $regex: `^${escaped(condition.is)}$`, $options: 'i' } };
  const pattern = containing(condition.contains);
  switch (condition.field) {
    case 'to':
      return { $or: [{ 'to.address': pattern }, { inbox: pattern }] };
    case 'from':
      return { 'from.address': pattern };
    case 'subject':
      return { subject: pattern };
  }
}

export function searchFilter(filter: MessageFilter): Filter<MessageDocument> {
  const all: Filter<MessageDocument>[] = [scopeFilter(filter.scope)];
  if (filter.since || filter.until) {
    all.push({ received: { ...(filter.since ? { $gte: filter.since } : {}), ...(filter.until ? { $lt: filter.until } : {}) } });
  }
  if (filter.read !== undefined) all.push({ read: filter.read });
  if (filter.starred !== undefined) all.push({ savedBy: filter.starred ? { $ne: null } : null });
  if (filter.hasAttachment !== undefined) all.push({ 'attachments.md5': { $exists: filter.hasAttachment } });
  if (filter.largerThan !== undefined || filter.smallerThan !== undefined) {
    all.push({ size: { ...(filter.largerThan !== undefined ? { $gt: filter.largerThan } : {}), ...(filter.smallerThan !== undefined ? { $lt: filter.smallerThan } : {}) } });
  }
  for (const condition of filter.allOf ?? []) all.push(conditionFilter(condition));
  if (filter.anyOf && filter.anyOf.length > 0) all.push({ $or: filter.anyOf.map(conditionFilter) });
  if (filter.noneOf && filter.noneOf.length > 0) all.push({ $nor: filter.noneOf.map(conditionFilter) });
  return all.length === 1 ? all[0] : { $and: all };
}

export function searchSort(search: MessageSearch): Sort {
  const direction = search.order === 'newest' ? -1 : 1;
  return { received: direction, _id: direction };
}
