// Who is asking and what they own: resolves API keys and SMTP logins to accounts, answers who owns an
// inbox (private address or custom domain), and carries out the admin operations on accounts and keys.
import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { domainOf, inboxOf, isValidDomain, normalizeDomain } from '../domain';
import { InboxOwners } from './inbox-owners';
import type { Account } from './account';
import { ACCOUNT_STORE, AccountConflictError, type AccountPatch, type AccountStore, type ClaimResult, type PrivateAddress, type StoredAccount } from './account-store';
import { generateApiKey, hashApiKey } from './api-keys';
import type { BootstrapAdminKey } from './bootstrap-admin';

export const BOOTSTRAP_ADMIN_KEY = Symbol('BootstrapAdminKey');
export const ADMIN_USERNAME = Symbol('AdminUsername');
export const ADMIN_ACCOUNT_ID = 'admin';
export const DEFAULT_MESSAGE_LIMIT = 10_000;
const BOOTSTRAP_KEY_LABEL = 'bootstrap (from configuration)';
const USERNAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
/**
 * Keys seen recently are remembered this long: it spares the database a lookup per SMTP login and API
 * call, and lets known senders keep logging in through a database outage (their mail then gets 451 and
 * is retried, instead of failing at AUTH). A key revoked on another replica stops working within it.
 */
const KEY_CACHE_TTL_MS = 30_000;
const KEY_CACHE_MAX = 1_000;

export interface IssuedApiKey {
  id: string;
  /** The clear key: shown once, never stored. */
  apiKey: string;
}

export type ReserveResult = { reserved: PrivateAddress[] } | { refused: string; reason: Exclude<ClaimResult, 'claimed'> };

export class InvalidAccountInput extends Error {
  override name = 'InvalidAccountInput';
  readonly failure = 'bad_request';
}

@Injectable()
export class AccountsService {
  private readonly keyCache = new Map<string, { account: Account; expires: number }>();

  constructor(
    @Inject(ACCOUNT_STORE) private readonly store: AccountStore,
    @Inject(BOOTSTRAP_ADMIN_KEY) private readonly adminKey: BootstrapAdminKey,
    @Inject(ADMIN_USERNAME) private readonly adminUsername: string,
  ) {}

  /**
   * The bootstrap admin always exists, with exactly the key from configuration (or the generated one).
   * Run each time the account store opens.
   */
  async ensureBootstrapAdmin(): Promise<void> {
    const now = new Date();
    const existing = await this.store.getAccount(ADMIN_ACCOUNT_ID);
    // Nothing is written when nothing changed: a restart on a full disk must still open the store.
    const username = this.adminUsername.toLowerCase();
    if (!existing || existing.username !== username || !existing.isAdmin) await this.store.upsertAccount({
      id: ADMIN_ACCOUNT_ID,
      username,
      isAdmin: true,
      capturePrivate: existing?.capturePrivate ?? false,
      messageLimit: existing?.messageLimit ?? DEFAULT_MESSAGE_LIMIT,
      created: existing?.created ?? now,
      updated: now,
    });
    const keys = await this.store.listApiKeys(ADMIN_ACCOUNT_ID);
    if (keys.some((key) => key.label === BOOTSTRAP_KEY_LABEL && key.keyHash === this.adminKey.keyHash)) return;
    await this.store.removeApiKeysLabelled(ADMIN_ACCOUNT_ID, BOOTSTRAP_KEY_LABEL);
    try {
      await this.store.addApiKey({ id: newKeyId(), accountId: ADMIN_ACCOUNT_ID, keyHash: this.adminKey.keyHash, label: BOOTSTRAP_KEY_LABEL, created: now });
    } catch (error) {
      // Replicas starting together on one database race to add the same key: the loser finds it there.
      const added = (await this.store.listApiKeys(ADMIN_ACCOUNT_ID)).some((key) => key.keyHash === this.adminKey.keyHash);
      if (!(error instanceof AccountConflictError && added)) throw error;
    }
  }

  /** The account an API key belongs to, or null for an unknown key. */
  async findByApiKey(apiKey: string): Promise<Account | null> {
    const keyHash = hashApiKey(apiKey);
    const cached = this.keyCache.get(keyHash);
    if (cached && cached.expires > Date.now()) return cached.account;
    const key = await this.store.findApiKeyByHash(keyHash);
    // The lookup is by hash; the constant-time comparison keeps the final check free of timing signal.
    if (!key || !timingSafeEqual(Buffer.from(key.keyHash, 'hex'), Buffer.from(keyHash, 'hex'))) return null;
    const stored = await this.store.getAccount(key.accountId);
    if (!stored) return null;
    const account = toAccount(stored);
    this.keyCache.delete(keyHash);
    this.keyCache.set(keyHash, { account, expires: Date.now() + KEY_CACHE_TTL_MS });
    if (this.keyCache.size > KEY_CACHE_MAX) this.keyCache.delete(this.keyCache.keys().next().value as string);
    return account;
  }

  /** Forget remembered keys after a change to accounts or keys, so this replica applies it at once. */
  private forgetRememberedKeys(): void {
    this.keyCache.clear();
  }

  /**
   * SMTP AUTH: one of the account's API keys, with its username or with an address it owns (a private
   * address or any address in its custom domains), for clients that force the username to the From.
   */
  async authenticateSmtp(username: string, apiKey: string): Promise<Account | null> {
    const account = await this.findByApiKey(apiKey);
    if (!account) return null;
    const login = username.trim().toLowerCase();
    if (login === account.username) return account;
    return login.includes('@') && (await this.ownerOfInbox(login)) === account.id ? account : null;
  }

  /** The account that owns an inbox, through a private address or its custom domain; null when public. */
  async ownerOfInbox(address: string): Promise<string | null> {
    const inbox = inboxOf(address);
    const reserved = await this.store.getAddress(inbox);
    if (reserved) return reserved.ownerId;
    const domain = await this.store.getDomain(domainOf(inbox));
    return domain?.ownerId ?? null;
  }

  /** ownerOfInbox for each distinct inbox of a capture, at once (see InboxOwners). */
  async ownersOfInboxes(addresses: readonly string[]): Promise<InboxOwners> {
    const owners = new Map<string, string | null>();
    for (const inbox of new Set(addresses.map(inboxOf))) owners.set(inbox, await this.ownerOfInbox(inbox));
    return new InboxOwners(owners);
  }

  async ownerOfDomain(domain: string): Promise<string | null> {
    return (await this.store.getDomain(normalizeDomain(domain)))?.ownerId ?? null;
  }

  /** The private addresses reserved in a domain, whoever reserved them (claimDomain leaves them be). */
  async addressesReservedInDomain(domain: string) {
    return this.store.listAddressesInDomain(normalizeDomain(domain));
  }

  async ownedScope(accountId: string): Promise<{ addresses: string[]; domains: string[] }> {
    const [addresses, domains] = await Promise.all([this.store.listAddresses(accountId), this.store.listDomains(accountId)]);
    return { addresses: addresses.map((a) => a.address), domains: domains.map((d) => d.domain) };
  }

  // ---- admin operations (admin API and CLI) ----

  async createAccount(username: string, options: { capturePrivate?: boolean; messageLimit?: number; isAdmin?: boolean } = {}): Promise<{ account: Account; key: IssuedApiKey }> {
    const name = username.trim().toLowerCase();
    if (!USERNAME.test(name)) throw new InvalidAccountInput('username: 1-63 characters of a-z, 0-9, ".", "_", "-", starting with a letter or digit');
    if (name.includes('@')) throw new InvalidAccountInput('username must not be an address');
    const now = new Date();
    const stored: StoredAccount = {
      id: `acct_${randomBytes(9).toString('base64url')}`,
      username: name,
      isAdmin: options.isAdmin ?? false,
      capturePrivate: options.capturePrivate ?? false,
      messageLimit: options.messageLimit ?? DEFAULT_MESSAGE_LIMIT,
      created: now,
      updated: now,
    };
    await this.store.createAccount(stored);
    const key = await this.issueApiKey(stored.id, 'initial');
    return { account: toAccount(stored), key };
  }

  async listAccounts(): Promise<Account[]> {
    return (await this.store.listAccounts()).map(toAccount);
  }

  async getAccount(idOrUsername: string): Promise<Account | null> {
    const account = (await this.store.getAccount(idOrUsername)) ?? (await this.store.findAccountByUsername(idOrUsername.toLowerCase()));
    return account ? toAccount(account) : null;
  }

  async updateAccount(accountId: string, patch: AccountPatch): Promise<Account | null> {
    if (patch.messageLimit !== undefined && (!Number.isInteger(patch.messageLimit) || patch.messageLimit < 0)) {
      throw new InvalidAccountInput('messageLimit must be a whole number >= 0');
    }
    const updated = await this.store.updateAccount(accountId, patch);
    this.forgetRememberedKeys();
    return updated ? toAccount(updated) : null;
  }

  async deleteAccount(accountId: string): Promise<boolean> {
    if (accountId === ADMIN_ACCOUNT_ID) throw new InvalidAccountInput('the bootstrap admin comes from configuration and cannot be deleted');
    this.forgetRememberedKeys();
    return this.store.deleteAccount(accountId);
  }

  async issueApiKey(accountId: string, label: string): Promise<IssuedApiKey> {
    const apiKey = generateApiKey();
    const id = newKeyId();
    await this.store.addApiKey({ id, accountId, keyHash: hashApiKey(apiKey), label: label.slice(0, 100), created: new Date() });
    return { id, apiKey };
  }

  async listApiKeys(accountId: string): Promise<Array<{ id: string; label: string; created: Date }>> {
    return (await this.store.listApiKeys(accountId)).map(({ id, label, created }) => ({ id, label, created }));
  }

  async revokeApiKey(accountId: string, keyId: string): Promise<boolean> {
    this.forgetRememberedKeys();
    return this.store.revokeApiKey(accountId, keyId);
  }

  async claimDomain(accountId: string, domain: string): Promise<ClaimResult> {
    const name = normalizeDomain(domain);
    // Checked here, not only in the admin API, so the CLI cannot assign a domain no mail can reach.
    if (!isValidDomain(name)) throw new InvalidAccountInput(`Invalid domain: ${name.slice(0, 80)}`);
    const now = new Date();
    return this.store.claimDomain({ domain: name, ownerId: accountId, created: now, updated: now });
  }

  async releaseDomain(accountId: string, domain: string): Promise<boolean> {
    return this.store.releaseDomain(normalizeDomain(domain), accountId);
  }

  async listDomains(accountId: string) {
    return this.store.listDomains(accountId);
  }

  async getDomain(domain: string) {
    return this.store.getDomain(normalizeDomain(domain));
  }

  // ---- private addresses (the account's own API) ----

  async claimAddress(accountId: string, address: string, info = ''): Promise<ClaimResult> {
    const now = new Date();
    return this.store.claimAddress({ address: inboxOf(address), ownerId: accountId, info, created: now, updated: now });
  }

  /**
   * Reserves addresses for an account, all or none: refused as a whole when any is already the account's
   * or another's (reserved, or in another account's custom domain), nothing reserved then. A claim lost to
   * another account at the same moment releases the ones this call had claimed before refusing.
   */
  async reserveAddresses(accountId: string, addresses: string[], info = ''): Promise<ReserveResult> {
    const inboxes = addresses.map(inboxOf);
    for (const address of inboxes) {
      const refusal = await this.refusalToReserve(accountId, address);
      if (refusal) return { refused: address, reason: refusal };
    }
    const claimed: string[] = [];
    for (const address of inboxes) {
      const result = await this.claimAddress(accountId, address, info);
      if (result !== 'claimed') {
        for (const done of claimed) await this.store.releaseAddress(done, accountId);
        return { refused: address, reason: result };
      }
      claimed.push(address);
    }
    return { reserved: await Promise.all(inboxes.map(async (address) => (await this.store.getAddress(address))!)) };
  }

  private async refusalToReserve(accountId: string, address: string): Promise<Exclude<ClaimResult, 'claimed'> | null> {
    const domainOwner = await this.ownerOfDomain(domainOf(address));
    if (domainOwner && domainOwner !== accountId) return 'owned-by-another';
    const reserved = await this.store.getAddress(address);
    if (!reserved) return null;
    return reserved.ownerId === accountId ? 'already-yours' : 'owned-by-another';
  }

  /** Every private address and custom domain here, whoever owns them: what mailstats leave out. */
  async ownedNames(): Promise<{ addresses: string[]; domains: string[] }> {
    return this.store.listOwnedNames();
  }

  async getAddress(address: string) {
    return this.store.getAddress(inboxOf(address));
  }

  async listAddresses(accountId: string) {
    return this.store.listAddresses(accountId);
  }

  async updateAddress(accountId: string, address: string, info: string) {
    return this.store.updateAddress(inboxOf(address), accountId, { info });
  }

  async releaseAddress(accountId: string, address: string): Promise<boolean> {
    return this.store.releaseAddress(inboxOf(address), accountId);
  }

  // ---- usage ----

  async countOperations(accountId: string, count: number, at = new Date()): Promise<void> {
    if (count > 0) await this.store.addOperations(accountId, monthOf(at), count);
  }

  async operations(accountId: string, at = new Date()): Promise<number> {
    return this.store.getOperations(accountId, monthOf(at));
  }
}

export { AccountConflictError };

function toAccount(stored: StoredAccount): Account {
  return { id: stored.id, username: stored.username, isAdmin: stored.isAdmin, capturePrivate: stored.capturePrivate, messageLimit: stored.messageLimit };
}

function newKeyId(): string {
  return `key_${randomBytes(9).toString('base64url')}`;
}

export function monthOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}
