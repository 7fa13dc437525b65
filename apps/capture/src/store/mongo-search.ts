// A MessageFilter as a MongoDB query: the scope as the conditions its indexes serve (an inbox, an account's
// inboxes, domains and stars as $or branches, or every message by time), and the conditions as
// case-insensitive regular expressions of the escaped text.
import type { Filter, Sort } from 'mongodb';
import type { FieldCondition, MessageFilter, MessageSearch, SearchScope } from './message-search';
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
  return { $regex: text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), $options: 'i' };
}

function conditionFilter(condition: FieldCondition): Filter<MessageDocument> {
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
  for (const condition of filter.allOf ?? []) all.push(conditionFilter(condition));
  if (filter.anyOf && filter.anyOf.length > 0) all.push({ $or: filter.anyOf.map(conditionFilter) });
  return all.length === 1 ? all[0] : { $and: all };
}

export function searchSort(search: MessageSearch): Sort {
  const direction = search.order === 'newest' ? -1 : 1;
  return { received: direction, _id: direction };
}
