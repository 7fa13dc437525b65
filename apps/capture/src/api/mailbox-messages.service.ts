// Everything the API does with a caller's mail: list, count, read, delete, and organise (star, labels,
// folder, read). Who may see which message is decided by the mailbox-access service (access/) and
// nowhere here: reads and deletes go through it, and each organising change is made on a message it
// has found visible.
import { Inject, Injectable } from '@nestjs/common';
import { MailboxAccess, type PageQuery } from '../access';
import { findCodes, matchCallerPattern, type CallerPattern, type FoundCode } from '../codes';
import { type AttachmentContent, inboxOf, type MessageFolder, type StoredMessage } from '../domain';
import { MESSAGE_STORE, type MessageBody, type MessagePatch, type MessageStore } from '../store';
import { bothOf, type SearchQuery } from '../search';
import { messageNotFound } from './api-errors';
import { requireAccount, type Caller } from './caller';

@Injectable()
export class MailboxMessages {
  constructor(
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    private readonly access: MailboxAccess,
  ) {}

  /** The inbox's listing; with a search (`?query=`), only what matches, in the same order and paging. */
  async listInbox(caller: Caller, email: string, query: PageQuery & { search?: SearchQuery }): Promise<StoredMessage[]> {
    const { search, ...page } = query;
    if (!search) return this.access.listInbox(caller.account, email, page);
    const scope = await this.access.inboxSearchScope(caller.account, email);
    return this.access.search(scope, { ...bothOf(search, { until: page.until }), order: 'newest', limit: page.limit });
  }

  countInbox(caller: Caller, email: string): Promise<number> {
    return this.access.countInbox(caller.account, email);
  }

  listStarred(caller: Caller, query: PageQuery): Promise<StoredMessage[]> {
    return this.access.listStarred(requireAccount(caller), query);
  }

  getMessage(caller: Caller, email: string, id: string): Promise<StoredMessage> {
    return this.access.getMessage(caller.account, email, id);
  }

  getBody(caller: Caller, email: string, id: string): Promise<MessageBody> {
    return this.access.getBody(caller.account, email, id);
  }

  /** The message and its one-time codes: found by the heuristic, or by the caller's own pattern. */
  async getCodes(caller: Caller, email: string, id: string, pattern: CallerPattern | undefined): Promise<{ message: StoredMessage; codes: FoundCode[] }> {
    const message = await this.getMessage(caller, email, id);
    const { text, html } = await this.getBody(caller, email, id);
    const parts = { subject: message.subject, text, html };
    return { message, codes: pattern ? matchCallerPattern(pattern, parts) : findCodes(parts) };
  }

  getRaw(caller: Caller, email: string, id: string): Promise<Buffer> {
    return this.access.getRaw(caller.account, email, id);
  }

  getAttachment(caller: Caller, email: string, id: string, identifier: string): Promise<AttachmentContent> {
    return this.access.getAttachment(caller.account, email, id, identifier);
  }

  deleteMessage(caller: Caller, email: string, id: string): Promise<void> {
    return this.access.deleteMessage(requireAccount(caller), email, id);
  }

  /** Deletes the inbox's unstarred mail; another account's private inbox does not exist, so nothing goes. */
  deleteInbox(caller: Caller, email: string): Promise<number> {
    return this.access.deleteInbox(requireAccount(caller), email);
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

  private async organise(caller: Caller, email: string, id: string, patch: MessagePatch): Promise<StoredMessage> {
    requireAccount(caller);
    await this.getMessage(caller, email, id);
    return this.patch(email, id, patch);
  }

  private async patch(email: string, id: string, patch: MessagePatch): Promise<StoredMessage> {
    const updated = await this.store.updateMessage(inboxOf(email), id, patch);
    if (!updated) throw messageNotFound();
    return updated;
  }
}
