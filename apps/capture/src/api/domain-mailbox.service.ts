// Reading a custom domain's mail across all its inboxes, for the domain's owner. Each message still
// passes the visibility rule with its own inbox's owner: an address reserved by another account before
// the domain was assigned stays that account's.
import { Inject, Injectable } from '@nestjs/common';
import { AccountsService, mayReadMessage, type Account } from '../accounts';
import type { StoredMessage } from '../domain/captured-message';
import { MESSAGE_STORE, type MessageStore } from '../store';
import type { ListQuery } from './api-input';

@Injectable()
export class DomainMailbox {
  constructor(
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    private readonly accounts: AccountsService,
  ) {}

  async list(account: Account, domain: string, query: ListQuery): Promise<StoredMessage[]> {
    const messages = await this.store.listDomain(domain, query);
    const owners = new Map<string, Promise<string | null>>();
    const ownerOf = (inbox: string) => owners.get(inbox) ?? owners.set(inbox, this.accounts.ownerOfInbox(inbox)).get(inbox)!;
    const visible = await Promise.all(messages.map(async (message) => mayReadMessage(account, message, await ownerOf(message.inbox))));
    return messages.filter((_, index) => visible[index]);
  }

  count(domain: string): Promise<number> {
    return this.store.countDomain(domain);
  }

  /** Mailsac keeps starred mail here too. */
  deleteAll(domain: string): Promise<number> {
    return this.store.deleteDomainMail(domain);
  }
}
