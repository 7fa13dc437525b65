// Private mail counts toward its account's messageLimit: mail to its private addresses and custom
// domains, and (with capturePrivate) everything it captures. A message that would take an account over
// its limit is refused as a whole with 452 (the sender may retry once the account has made room);
// unstarring older mail instead would quietly make private mail public.
import { Inject, Injectable } from '@nestjs/common';
import { AccountsService } from '../accounts';
import type { StoredMessage } from '../domain';
import { MESSAGE_STORE, type MessageStore } from '../store';

export class MessageLimitReached extends Error {
  readonly failure = 'mailbox_full';

  constructor(readonly accountId: string) {
    super(`account ${accountId} has reached its message limit`);
    this.name = 'MessageLimitReached';
  }
}

@Injectable()
export class PrivateMailLimits {
  constructor(
    private readonly accounts: AccountsService,
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
  ) {}

  /** Throws MessageLimitReached when storing these copies would take an owning account over its limit. */
  async assertRoomFor(copies: StoredMessage[]): Promise<void> {
    const needed = new Map<string, number>();
    for (const copy of copies) {
      const owner = copy.savedBy ?? (await this.accounts.ownerOfInbox(copy.inbox));
      if (owner) needed.set(owner, (needed.get(owner) ?? 0) + 1);
    }
    for (const [accountId, count] of needed) {
      const account = await this.accounts.getAccount(accountId);
      if (!account) continue;
      const scope = await this.accounts.ownedScope(accountId);
      const usage = await this.store.usage({ accountId, inboxes: scope.addresses, domains: scope.domains });
      if (usage.private + count > account.messageLimit) throw new MessageLimitReached(accountId);
    }
  }
}
