// Private mail counts toward its account's messageLimit: mail to its private addresses and custom
// domains, and (with capturePrivate) everything it captures. A message that would take an account over
// its limit is refused as a whole with 452 (the sender may retry once the account has made room);
// unstarring older mail instead would quietly make private mail public.
//
// Counting an account's private mail reads every one of its messages' index entries (~5 ms per 10,000 on
// SQLite), so it is not done for every capture: far from the limit, a count at most COUNT_FRESH_MS old plus
// what this process has let through since is enough; within limitMargin() of the limit every capture counts
// afresh. A count goes stale when the account's addresses or domains change (checked on every capture).
// Deleted mail only makes the estimate too high (a recount sooner); what could make it too low is mail
// added elsewhere (another replica, a star) within COUNT_FRESH_MS, and it cannot pass the limit unless
// that is more than the margin. Concurrent captures can already both pass a check at limit - 1.
import { Inject, Injectable } from '@nestjs/common';
import { AccountsService, type InboxOwners } from '../accounts';
import type { StoredMessage } from '../domain';
import { MESSAGE_STORE, type MessageStore } from '../store';

export class MessageLimitReached extends Error {
  readonly failure = 'mailbox_full';

  constructor(readonly accountId: string) {
    super(`account ${accountId} has reached its message limit`);
    this.name = 'MessageLimitReached';
  }
}

/** How long a count of an account's private mail stands in for a new one, far from its limit. */
export const COUNT_FRESH_MS = 2_000;

/** How close to its limit an account is counted on every capture: a tenth of it, at least 100 messages. */
export function limitMargin(messageLimit: number): number {
  return Math.max(100, Math.ceil(messageLimit / 10));
}

interface PrivateMailCount {
  /** The addresses and domains the count was made over. */
  scopeKey: string;
  counted: number;
  countedAt: number;
  /** Copies this process let through since the count (some may have failed to store: too high is safe). */
  addedSince: number;
}

/** Counts kept at most; past it the stale ones go (one per account that captured in COUNT_FRESH_MS). */
const MAX_KEPT_COUNTS = 1_000;

@Injectable()
export class PrivateMailLimits {
  private readonly counts = new Map<string, PrivateMailCount>();

  constructor(
    private readonly accounts: AccountsService,
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
  ) {}

  /** Throws MessageLimitReached when storing these copies would take an owning account over its limit. */
  async assertRoomFor(copies: StoredMessage[], owners: InboxOwners): Promise<void> {
    const needed = new Map<string, number>();
    for (const copy of copies) {
      const owner = copy.savedBy ?? owners.of(copy.inbox);
      if (owner) needed.set(owner, (needed.get(owner) ?? 0) + 1);
    }
    for (const [accountId, count] of needed) {
      const account = await this.accounts.getAccount(accountId);
      if (!account) continue;
      const privateMail = await this.privateMailOf(accountId, account.messageLimit, count);
      if (privateMail.counted + privateMail.addedSince + count > account.messageLimit) throw new MessageLimitReached(accountId);
      privateMail.addedSince += count;
    }
  }

  /** The account's count, made afresh when the kept one is stale, over another scope, or near the limit. */
  private async privateMailOf(accountId: string, messageLimit: number, adding: number): Promise<PrivateMailCount> {
    const scope = await this.accounts.ownedScope(accountId);
    const scopeKey = JSON.stringify(scope);
    const now = Date.now();
    const kept = this.counts.get(accountId);
    const farFromLimit = (count: PrivateMailCount) => count.counted + count.addedSince + adding <= messageLimit - limitMargin(messageLimit);
    if (kept && kept.scopeKey === scopeKey && now - kept.countedAt < COUNT_FRESH_MS && farFromLimit(kept)) return kept;
    const usage = await this.store.usage({ accountId, inboxes: scope.addresses, domains: scope.domains });
    const fresh = { scopeKey, counted: usage.private, countedAt: now, addedSince: 0 };
    this.keep(accountId, fresh, now);
    return fresh;
  }

  private keep(accountId: string, count: PrivateMailCount, now: number): void {
    if (this.counts.size >= MAX_KEPT_COUNTS) {
      for (const [id, kept] of this.counts) if (now - kept.countedAt >= COUNT_FRESH_MS) this.counts.delete(id);
      if (this.counts.size >= MAX_KEPT_COUNTS) this.counts.clear();
    }
    this.counts.set(accountId, count);
  }
}
