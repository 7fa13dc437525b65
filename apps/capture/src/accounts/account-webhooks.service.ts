// Webhook configuration: where an account's captured mail is POSTed (delivery itself is webhooks/' job).
// A webhook exists only on what its account owns: a private address, a custom domain, or the account as a
// whole (everything it owns and everything it stars); so private mail only ever reaches its owner's URLs.
// The signing secret is generated here, never chosen by the caller, and readable by the owner alone.
import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { domainOf, inboxOf, normalizeDomain, type StoredMessage } from '../domain';
import { ACCOUNT_STORE, type AccountStore, type StoredWebhook, type WebhookKind } from './account-store';
import { AccountsService, InvalidAccountInput } from './accounts.service';
import type { InboxOwners } from './inbox-owners';

export interface WebhookRequest {
  kind: WebhookKind;
  /** The address or domain; ignored for an account-wide webhook. */
  target?: string;
  url: string;
}

/** The account does not own the address or domain a webhook was asked for (Mailsac: reserve it first). */
export class WebhookTargetNotOwned extends Error {
  override name = 'WebhookTargetNotOwned';
  readonly failure = 'forbidden';
}

@Injectable()
export class AccountWebhooks {
  constructor(
    @Inject(ACCOUNT_STORE) private readonly store: AccountStore,
    private readonly accounts: AccountsService,
  ) {}

  async create(accountId: string, request: WebhookRequest): Promise<StoredWebhook> {
    const target = await this.ownedTarget(accountId, request);
    const webhook: StoredWebhook = {
      id: `wh_${randomBytes(12).toString('base64url')}`,
      ownerId: accountId,
      kind: request.kind,
      target,
      url: checkedUrl(request.url),
      secret: `whsec_${randomBytes(32).toString('base64url')}`,
      created: new Date(),
    };
    await this.store.addWebhook(webhook);
    return webhook;
  }

  /**
   * Mailsac's `webhook` field of an address: its one address webhook, set to `url` (kept, secret and all,
   * when it is that URL already) or removed by an empty one.
   */
  async setAddressWebhook(accountId: string, address: string, url: string): Promise<StoredWebhook | null> {
    const inbox = inboxOf(address);
    const existing = (await this.store.listWebhooks(accountId)).filter((w) => w.kind === 'address' && w.target === inbox);
    const kept = url === '' ? undefined : existing.find((w) => w.url === url);
    for (const webhook of existing) if (webhook !== kept) await this.store.deleteWebhook(webhook.id, accountId);
    if (url === '' || kept) return kept ?? null;
    return this.create(accountId, { kind: 'address', target: inbox, url });
  }

  /** The URL of an address's webhook, as Mailsac's EmailAddress `webhook` shows it ('' for none). */
  async addressWebhookUrl(accountId: string, address: string): Promise<string> {
    const inbox = inboxOf(address);
    return (await this.store.listWebhooks(accountId)).find((w) => w.kind === 'address' && w.target === inbox)?.url ?? '';
  }

  list(accountId: string): Promise<StoredWebhook[]> {
    return this.store.listWebhooks(accountId);
  }

  get(id: string): Promise<StoredWebhook | null> {
    return this.store.getWebhook(id);
  }

  delete(id: string, ownerId: string): Promise<boolean> {
    return this.store.deleteWebhook(id, ownerId);
  }

  /**
   * The webhooks that hear one captured copy: its owner's (the account that starred it, else the owner of its
   * inbox) on its address, its domain or account-wide. Public mail has no owner and reaches no webhook.
   */
  async hearing(copy: StoredMessage, owners: InboxOwners): Promise<StoredWebhook[]> {
    const inboxOwner = owners.of(copy.inbox);
    const owner = copy.savedBy ?? inboxOwner;
    if (!owner) return [];
    const webhooks = await this.store.listWebhooksFor(owner, copy.inbox, domainOf(copy.inbox));
    if (copy.savedBy && inboxOwner !== owner) {
      // Starred mail in an inbox the account does not own: only its account-wide webhooks hear it.
      return webhooks.filter((w) => w.kind === 'account');
    }
    return webhooks;
  }

  private async ownedTarget(accountId: string, request: WebhookRequest): Promise<string> {
    if (request.kind === 'account') return '';
    const given = request.target ?? '';
    if (request.kind === 'address') {
      const inbox = inboxOf(given);
      if ((await this.accounts.ownerOfInbox(inbox)) !== accountId) throw new WebhookTargetNotOwned(`${inbox} is not an address of this account: reserve it first`);
      return inbox;
    }
    const domain = normalizeDomain(given);
    if ((await this.accounts.ownerOfDomain(domain)) !== accountId) throw new WebhookTargetNotOwned(`${domain} is not a custom domain of this account`);
    return domain;
  }
}

/** http(s) only, absolute; anything else is the caller's mistake (400). */
function checkedUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidAccountInput('a webhook URL must be an absolute http or https URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InvalidAccountInput('a webhook URL must be an absolute http or https URL');
  return parsed.toString();
}
