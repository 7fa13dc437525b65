// The read and organise rules of the API, on top of the store: who may see which message, by the one
// visibility rule in accounts/ (public mail: anyone; starred mail: the account that starred it; mail in a
// private address or custom domain: its owner; admins: everything). To everyone else a private message
// does not exist (404) and a private inbox is empty.
import { Inject, Injectable } from '@nestjs/common';
import { AccountsService, mayReadInbox, mayReadInboxes, mayReadMessage } from '../accounts';
import { CONFIG, type CaptureboxConfig } from '../config';
import type { AttachmentContent, MessageFolder, StoredMessage } from '../domain/captured-message';
import { inboxOf } from '../domain/mailbox';
import { MESSAGE_STORE, type MessageBody, type MessageStore } from '../store';
import { attachmentNotFound, messageNotFound, unauthorized } from './api-errors';
import type { ListQuery } from './api-input';
import { requireAccount, type Caller } from './caller';

@Injectable()
export class MailboxReader {
  constructor(
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    @Inject(CONFIG) private readonly config: CaptureboxConfig,
    private readonly accounts: AccountsService,
  ) {}

  async listInbox(caller: Caller, email: string, query: ListQuery): Promise<StoredMessage[]> {
    this.assertMayRead(caller);
    const owner = await this.accounts.ownerOfInbox(email);
    if (!mayReadInbox(caller.account, owner, this.config.publicInboxes)) return [];
    const messages = await this.store.listInbox(inboxOf(email), { ...query, ...starredFilter(caller, owner) });
    // The store already left out what the caller may not see; the rule is applied once more as a guard.
    return messages.filter((message) => mayReadMessage(caller.account, message, owner));
  }

  async countInbox(caller: Caller, email: string): Promise<number> {
    this.assertMayRead(caller);
    const owner = await this.accounts.ownerOfInbox(email);
    if (!mayReadInbox(caller.account, owner, this.config.publicInboxes)) return 0;
    return this.store.countInbox(inboxOf(email), starredFilter(caller, owner));
  }

  async listStarred(caller: Caller, query: ListQuery): Promise<StoredMessage[]> {
    return this.store.listStarred(requireAccount(caller).id, query);
  }

  async getMessage(caller: Caller, email: string, id: string): Promise<StoredMessage> {
    this.assertMayRead(caller);
    const [message, owner] = await Promise.all([this.store.getMessage(inboxOf(email), id), this.accounts.ownerOfInbox(email)]);
    if (!message || !mayReadMessage(caller.account, message, owner)) throw messageNotFound();
    return message;
  }

  async getBody(caller: Caller, email: string, id: string): Promise<MessageBody> {
    await this.getMessage(caller, email, id);
    const body = await this.store.getBody(inboxOf(email), id);
    if (!body) throw messageNotFound();
    return body;
  }

  async getRaw(caller: Caller, email: string, id: string): Promise<Buffer> {
    await this.getMessage(caller, email, id);
    const raw = await this.store.getRaw(inboxOf(email), id);
    if (!raw) throw messageNotFound();
    return raw;
  }

  /** An attachment by md5, content id or file name, as Mailsac accepts all three. */
  async getAttachment(caller: Caller, email: string, id: string, identifier: string): Promise<AttachmentContent> {
    const message = await this.getMessage(caller, email, id);
    const bare = identifier.replace(/^<|>$/g, '');
    const meta =
      message.attachments.find((attachment) => attachment.md5 === identifier) ??
      message.attachments.find((attachment) => attachment.contentId === bare) ??
      message.attachments.find((attachment) => attachment.filename === identifier);
    if (!meta) throw attachmentNotFound();
    const attachment = await this.store.getAttachment(inboxOf(email), id, meta.md5);
    if (!attachment) throw attachmentNotFound();
    return attachment;
  }

  async deleteMessage(caller: Caller, email: string, id: string): Promise<void> {
    requireAccount(caller);
    await this.getMessage(caller, email, id);
    if (!(await this.store.deleteMessage(inboxOf(email), id))) throw messageNotFound();
  }

  /** Deletes the inbox's unstarred mail; another account's private inbox does not exist, so nothing goes. */
  async deleteInbox(caller: Caller, email: string): Promise<number> {
    const account = requireAccount(caller);
    const owner = await this.accounts.ownerOfInbox(email);
    if (!mayReadInbox(account, owner, true)) return 0;
    return this.store.deleteInbox(inboxOf(email));
  }

  /** Mailsac's star is a toggle: starring saves the message to the caller's account (private). */
  async toggleStar(caller: Caller, email: string, id: string): Promise<StoredMessage> {
    const account = requireAccount(caller);
    const message = await this.getMessage(caller, email, id);
    // Only the account that starred a message can unstar it: an admin toggling another account's star
    // would otherwise turn that account's private mail public. Such a toggle changes nothing.
    if (message.savedBy && message.savedBy !== account.id) return message;
    return this.patch(email, id, { savedBy: message.savedBy ? null : account.id });
  }

  async setFolder(caller: Caller, email: string, id: string, folder: MessageFolder): Promise<StoredMessage> {
    return this.organise(caller, email, id, { folder });
  }

  async setRead(caller: Caller, email: string, id: string, read: boolean): Promise<StoredMessage> {
    return this.organise(caller, email, id, { read });
  }

  async addLabel(caller: Caller, email: string, id: string, label: string): Promise<StoredMessage> {
    return this.organise(caller, email, id, { addLabel: label });
  }

  async removeLabel(caller: Caller, email: string, id: string, label: string): Promise<StoredMessage> {
    return this.organise(caller, email, id, { removeLabel: label });
  }

  private async organise(caller: Caller, email: string, id: string, patch: Parameters<MessageStore['updateMessage']>[2]): Promise<StoredMessage> {
    requireAccount(caller);
    await this.getMessage(caller, email, id);
    return this.patch(email, id, patch);
  }

  private async patch(email: string, id: string, patch: Parameters<MessageStore['updateMessage']>[2]): Promise<StoredMessage> {
    const updated = await this.store.updateMessage(inboxOf(email), id, patch);
    if (!updated) throw messageNotFound();
    return updated;
  }

  private assertMayRead(caller: Caller): void {
    if (!mayReadInboxes(caller.account, this.config.publicInboxes)) throw unauthorized('Anonymous reading is switched off: an API key is required.');
  }
}

/**
 * Which starred messages of an inbox the caller may see: all of them in an inbox it owns (or as admin);
 * in a public inbox only its own stars (other accounts' starred mail is private to them).
 */
function starredFilter(caller: Caller, owner: string | null): { starredVisibleTo?: string | null } {
  const account = caller.account;
  if (account && (account.isAdmin || account.id === owner)) return {};
  return { starredVisibleTo: account?.id ?? null };
}
