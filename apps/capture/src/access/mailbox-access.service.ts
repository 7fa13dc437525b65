// The one access rule for every reader of mail. Every path that lists, counts, reads, streams, renders or
// deletes mail (the REST API, the web UI's frame and live stream) asks this service, which applies the
// visibility rule of accounts/message-visibility.ts and pushes it into the store query itself (starred
// filter, a domain's excluded inboxes), so pages are full and counts and deletes match the listings.
// To a reader who may not see it, a private message does not exist and a private inbox is empty.
import { Inject, Injectable } from '@nestjs/common';
import { AccountsService, mayReadInbox, mayReadInboxes, mayReadMessage, type Account } from '../accounts';
import { CONFIG, type CaptureboxConfig } from '../config';
import { type AttachmentContent, inboxOf, normalizeDomain, type StoredMessage } from '../domain';
import {
  MESSAGE_STORE,
  type DomainScope,
  type ListInboxQuery,
  type MessageBody,
  type MessageFilter,
  type MessageSearch,
  type MessageStore,
  type PublicScope,
  type PublicStatsQuery,
  type PublicTallyKey,
  type SearchScope,
  type StarredVisibility,
  type Tally,
} from '../store';

export type Reader = Account | null;
export type PageQuery = Omit<ListInboxQuery, 'starredVisibleTo'>;
/** A search or filter whose scope access/ fills in from what the reader may see. */
export type ScopedSearch = Omit<MessageSearch, 'scope'>;
export type ScopedFilter = Omit<MessageFilter, 'scope'>;
export type PublicStatsPage = Omit<PublicStatsQuery, keyof PublicScope>;

/** Not there, or not for this reader: the two look the same. */
export class MailNotFound extends Error {
  readonly failure = 'not_found';
  override name = 'MailNotFound';
}

/** Anonymous reading is switched off appliance-wide: the same answer for every inbox. */
export class KeyRequiredToRead extends Error {
  readonly failure = 'auth_required';
  override name = 'KeyRequiredToRead';
  constructor() {
    super('Anonymous reading is switched off: an API key is required.');
  }
}

@Injectable()
export class MailboxAccess {
  constructor(
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    @Inject(CONFIG) private readonly config: CaptureboxConfig,
    private readonly accounts: AccountsService,
  ) {}

  /** Throws KeyRequiredToRead when anonymous reading is off and the reader is anonymous. */
  assertMayRead(reader: Reader): void {
    if (!mayReadInboxes(reader, this.config.publicInboxes)) throw new KeyRequiredToRead();
  }

  async listInbox(reader: Reader, address: string, query: PageQuery): Promise<StoredMessage[]> {
    const scope = await this.inboxScope(reader, address);
    return scope ? this.store.listInbox(scope.inbox, { ...query, ...scope.starred }) : [];
  }

  async countInbox(reader: Reader, address: string): Promise<number> {
    const scope = await this.inboxScope(reader, address);
    return scope ? this.store.countInbox(scope.inbox, scope.starred) : 0;
  }

  /** The inbox's unstarred mail; another account's private inbox is empty to this reader, so nothing goes. */
  async deleteInbox(reader: Account, address: string): Promise<number> {
    return (await this.inboxScope(reader, address)) ? this.store.deleteInbox(inboxOf(address)) : 0;
  }

  async listStarred(reader: Account, query: PageQuery): Promise<StoredMessage[]> {
    return this.store.listStarred(reader.id, query);
  }

  /** The message if this reader may see it, null otherwise. */
  async findMessage(reader: Reader, address: string, id: string): Promise<StoredMessage | null> {
    this.assertMayRead(reader);
    const inbox = inboxOf(address);
    const [message, owner] = await Promise.all([this.store.getMessage(inbox, id), this.accounts.ownerOfInbox(inbox)]);
    return message && mayReadMessage(reader, message, owner) ? message : null;
  }

  async getMessage(reader: Reader, address: string, id: string): Promise<StoredMessage> {
    return found(await this.findMessage(reader, address, id), 'Message not found.');
  }

  async getBody(reader: Reader, address: string, id: string): Promise<MessageBody> {
    await this.getMessage(reader, address, id);
    return found(await this.store.getBody(inboxOf(address), id), 'Message not found.');
  }

  async getRaw(reader: Reader, address: string, id: string): Promise<Buffer> {
    await this.getMessage(reader, address, id);
    return found(await this.store.getRaw(inboxOf(address), id), 'Message not found.');
  }

  /** An attachment by md5, content id or file name, as Mailsac accepts all three. */
  async getAttachment(reader: Reader, address: string, id: string, identifier: string): Promise<AttachmentContent> {
    const message = await this.getMessage(reader, address, id);
    const bare = identifier.replace(/^<|>$/g, '');
    const meta =
      message.attachments.find((attachment) => attachment.md5 === identifier) ??
      message.attachments.find((attachment) => attachment.contentId === bare) ??
      message.attachments.find((attachment) => attachment.filename === identifier);
    return found(meta ? await this.store.getAttachment(message.inbox, message.id, meta.md5) : null, 'Attachment not found.');
  }

  async deleteMessage(reader: Account, address: string, id: string): Promise<void> {
    await this.getMessage(reader, address, id);
    if (!(await this.store.deleteMessage(inboxOf(address), id))) throw new MailNotFound('Message not found.');
  }

  /** For a live stream of an inbox: which of its new messages this reader may be shown. */
  async watchRule(reader: Reader, address: string): Promise<(message: StoredMessage) => boolean> {
    this.assertMayRead(reader);
    const owner = await this.accounts.ownerOfInbox(address);
    return (message) => mayReadMessage(reader, message, owner);
  }

  async listDomain(reader: Account, domain: string, query: PageQuery): Promise<StoredMessage[]> {
    const scope = await this.domainScope(reader, domain);
    return this.store.listDomain(scope.domain, { ...query, ...scope.excluded });
  }

  async countDomain(reader: Account, domain: string): Promise<number> {
    const scope = await this.domainScope(reader, domain);
    return this.store.countDomain(scope.domain, scope.excluded);
  }

  /** Mailsac keeps starred mail here too. */
  async deleteDomainMail(reader: Account, domain: string): Promise<number> {
    const scope = await this.domainScope(reader, domain);
    return this.store.deleteDomainMail(scope.domain, scope.excluded);
  }

  /**
   * The mail that is this reader's own, for account-wide reading and waits: its private addresses, its
   * domains (but inboxes another account reserved there) and what it starred. An admin's is all mail.
   */
  async accountScope(reader: Account): Promise<SearchScope> {
    if (reader.isAdmin) return { kind: 'everything' };
    const owned = await this.accounts.ownedScope(reader.id);
    const excludeInboxes = (await Promise.all(owned.domains.map((domain) => this.reservedByOthers(reader, domain)))).flat();
    return { kind: 'account', accountId: reader.id, inboxes: owned.addresses, domains: owned.domains, excludeInboxes };
  }

  /** One inbox as this reader sees it, or null when it is empty to them (another account's private inbox). */
  async inboxSearchScope(reader: Reader, address: string): Promise<SearchScope | null> {
    const scope = await this.inboxScope(reader, address);
    return scope ? { kind: 'inbox', inbox: scope.inbox, starred: scope.starred } : null;
  }

  /** A custom domain's mail as its owner (or an admin) sees it; MailNotFound for anyone else. */
  async domainSearchScope(reader: Account, domain: string): Promise<SearchScope> {
    const scope = await this.domainScope(reader, domain);
    return { kind: 'domain', domain: scope.domain, excludeInboxes: scope.excluded.excludeInboxes ?? [] };
  }

  /** A search within a scope that accountScope, inboxSearchScope or domainSearchScope gave (null: nothing to find). */
  async search(scope: SearchScope | null, search: ScopedSearch): Promise<StoredMessage[]> {
    return scope ? this.store.searchMessages({ ...search, scope }) : [];
  }

  async countMatching(scope: SearchScope | null, filter: ScopedFilter): Promise<number> {
    return scope ? this.store.countMatching({ ...filter, scope }) : 0;
  }

  /** The body of a message that a search in a reader's scope found (so the reader may see it). */
  async bodyOfFound(message: StoredMessage): Promise<MessageBody | null> {
    return this.store.getBody(message.inbox, message.id);
  }

  /** The raw source of a message a search or live listener in a reader's scope found. */
  async rawOfFound(message: StoredMessage): Promise<Buffer | null> {
    return this.store.getRaw(message.inbox, message.id);
  }

  // ---- Mailsac's mailstats: public mail only, whoever asks (an admin too) ----
  // Never a starred message, nor one in an inbox or domain an account owns: they are left out in the store
  // query (PublicScope), so they count in no tally, no count and no listing.

  async tallyPublicMail(reader: Reader, by: PublicTallyKey, page: PublicStatsPage): Promise<Tally[]> {
    return this.store.tallyPublicMail(by, { ...page, ...(await this.publicScope(reader)) });
  }

  async tallyPublicAttachments(reader: Reader, page: PublicStatsPage): Promise<Tally[]> {
    return this.store.tallyPublicAttachments({ ...page, ...(await this.publicScope(reader)) });
  }

  async countPublicWithAttachment(reader: Reader, md5: string): Promise<number> {
    return this.store.countPublicWithAttachment(md5, await this.publicScope(reader));
  }

  async listPublicWithAttachment(reader: Reader, md5: string, limit: number): Promise<StoredMessage[]> {
    return this.store.listPublicWithAttachment(md5, { ...(await this.publicScope(reader)), limit });
  }

  /** The content, read through the newest public message that carries it. */
  async getPublicAttachment(reader: Reader, md5: string): Promise<AttachmentContent> {
    const [message] = await this.listPublicWithAttachment(reader, md5, 1);
    return found(message ? await this.store.getAttachment(message.inbox, message.id, md5) : null, 'Attachment not found.');
  }

  private async publicScope(reader: Reader): Promise<PublicScope> {
    this.assertMayRead(reader);
    const owned = await this.accounts.ownedNames();
    return { excludeInboxes: owned.addresses, excludeDomains: owned.domains };
  }

  /** The inbox and the starred filter of the store query, or null when this reader sees it empty. */
  private async inboxScope(reader: Reader, address: string): Promise<{ inbox: string; starred: StarredVisibility } | null> {
    this.assertMayRead(reader);
    const inbox = inboxOf(address);
    const owner = await this.accounts.ownerOfInbox(inbox);
    if (!mayReadInbox(reader, owner, this.config.publicInboxes)) return null;
    // In an inbox it owns (or as admin) the reader sees every star; elsewhere only its own.
    const starred = reader && (reader.isAdmin || reader.id === owner) ? {} : { starredVisibleTo: reader?.id ?? null };
    return { inbox, starred };
  }

  /**
   * A domain's mail as its owner (or an admin) sees it: every inbox but those another account reserved
   * (before the domain was assigned: claimDomain leaves such addresses with their owners). An admin sees all.
   */
  private async domainScope(reader: Account, name: string): Promise<{ domain: string; excluded: DomainScope }> {
    const domain = await this.accounts.getDomain(normalizeDomain(name));
    if (!domain || (domain.ownerId !== reader.id && !reader.isAdmin)) throw new MailNotFound('Domain not found.');
    if (reader.isAdmin) return { domain: domain.domain, excluded: {} };
    return { domain: domain.domain, excluded: { excludeInboxes: await this.reservedByOthers(reader, domain.domain) } };
  }

  /** The inboxes of a domain that another account than the reader reserved: they stay that account's. */
  private async reservedByOthers(reader: Account, domain: string): Promise<string[]> {
    const reserved = await this.accounts.addressesReservedInDomain(domain);
    return reserved.filter((address) => address.ownerId !== reader.id).map((address) => address.address);
  }
}

function found<T>(value: T | null, message: string): T {
  if (value === null) throw new MailNotFound(message);
  return value;
}
