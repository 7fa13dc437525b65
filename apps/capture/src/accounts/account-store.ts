// The accounts storage port: accounts, their API keys (hashes only), private addresses and custom
// domains, and usage counters. Adapters: SQLite (a file beside the embedded message store) and MongoDB
// (collections in the same database as the mail). Both pass `account-store.contract.ts`.

export interface StoredAccount {
  /** Stable id, referenced by starred messages' `savedBy`. */
  id: string;
  /** The SMTP username. Unique case-insensitively (String#toLowerCase); kept as given. */
  username: string;
  isAdmin: boolean;
  capturePrivate: boolean;
  messageLimit: number;
  created: Date;
  updated: Date;
}

export interface StoredApiKey {
  /** Public id of the key (shown in listings, used to revoke); never the key itself. */
  id: string;
  accountId: string;
  /** Hex SHA-256 of the key; unique. The clear key is never stored. */
  keyHash: string;
  label: string;
  created: Date;
}

export interface PrivateAddress {
  /** Lower-case address (adapters lower-case what they are given). */
  address: string;
  ownerId: string;
  info: string;
  created: Date;
  updated: Date;
}

export interface CustomDomain {
  /** Lower-case domain (adapters lower-case what they are given). */
  domain: string;
  ownerId: string;
  created: Date;
  updated: Date;
}

export type AccountPatch = Partial<Pick<StoredAccount, 'capturePrivate' | 'messageLimit' | 'isAdmin'>>;

/** Outcome of claiming an address or domain: claims are atomic, the first account wins. */
export type ClaimResult = 'claimed' | 'already-yours' | 'owned-by-another';

export interface AccountStore {
  open(): Promise<void>;
  close(): Promise<void>;

  /** Rejects with AccountConflictError when the username (case-insensitive) or id is taken. */
  createAccount(account: StoredAccount): Promise<void>;
  /**
   * Creates or updates by id (the bootstrap admin from configuration); an update keeps the stored `created`.
   * Rejects with AccountConflictError when the username belongs to another account.
   */
  upsertAccount(account: StoredAccount): Promise<void>;
  getAccount(id: string): Promise<StoredAccount | null>;
  findAccountByUsername(username: string): Promise<StoredAccount | null>;
  /** Ordered by lower-cased username. */
  listAccounts(): Promise<StoredAccount[]>;
  /** Sets `updated` to now when the patch changes anything; null when unknown. */
  updateAccount(id: string, patch: AccountPatch): Promise<StoredAccount | null>;
  /** Deletes the account with its keys, addresses, domains and counters; false when unknown. */
  deleteAccount(id: string): Promise<boolean>;

  /** Rejects with AccountConflictError on a duplicate key id or hash, AccountNotFoundError for an unknown account. */
  addApiKey(key: StoredApiKey): Promise<void>;
  findApiKeyByHash(keyHash: string): Promise<StoredApiKey | null>;
  /** Oldest first (then by id). */
  listApiKeys(accountId: string): Promise<StoredApiKey[]>;
  /** Removes every key of that account with this label (the bootstrap key is replaced this way). */
  removeApiKeysLabelled(accountId: string, label: string): Promise<number>;
  revokeApiKey(accountId: string, keyId: string): Promise<boolean>;

  /** Rejects with AccountNotFoundError when the owner does not exist and the address is free. */
  claimAddress(address: PrivateAddress): Promise<ClaimResult>;
  getAddress(address: string): Promise<PrivateAddress | null>;
  /** Ordered by address. */
  listAddresses(ownerId: string): Promise<PrivateAddress[]>;
  /** Every account's reserved addresses in one (lower-case) domain, ordered by address; not its subdomains. */
  listAddressesInDomain(domain: string): Promise<PrivateAddress[]>;
  /**
   * Every private address and custom domain, whoever owns them, in order: what mailstats leave out. A
   * scan, fine for the few hundred an appliance holds.
   */
  listOwnedNames(): Promise<{ addresses: string[]; domains: string[] }>;
  /** Only the owner's: null for another account's or an unknown address. `updated` is set when info is. */
  updateAddress(address: string, ownerId: string, patch: { info?: string }): Promise<PrivateAddress | null>;
  releaseAddress(address: string, ownerId: string): Promise<boolean>;

  /** Rejects with AccountNotFoundError when the owner does not exist and the domain is free. */
  claimDomain(domain: CustomDomain): Promise<ClaimResult>;
  getDomain(domain: string): Promise<CustomDomain | null>;
  /** Ordered by domain. */
  listDomains(ownerId: string): Promise<CustomDomain[]>;
  releaseDomain(domain: string, ownerId: string): Promise<boolean>;

  /**
   * Adds to the account's operation counter for the given month (`YYYY-MM`). Counts for an unknown account
   * are dropped, not refused: the mail it counts was captured all the same.
   */
  addOperations(accountId: string, month: string, count: number): Promise<void>;
  getOperations(accountId: string, month: string): Promise<number>;
}

/** A unique name or id is already taken. */
export class AccountConflictError extends Error {
  readonly failure = 'conflict';

  constructor(message: string) {
    super(message);
    this.name = 'AccountConflictError';
  }
}

/** A key, address, domain or counter was to be attached to an account that does not exist (any more). */
export class AccountNotFoundError extends Error {
  constructor(readonly accountId: string, operation: string) {
    super(`${operation}: account ${accountId} does not exist`);
    this.name = 'AccountNotFoundError';
  }
}

// Input rules every adapter enforces before writing, so that all of them refuse the same things.

const KEY_HASH = /^[0-9a-f]{64}$/;
const USAGE_MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Refuses anything but a lower-case hex SHA-256: a clear key passed by mistake is never stored. */
export function assertKeyHash(keyHash: string): void {
  if (!KEY_HASH.test(keyHash)) throw new Error('an API key hash must be a lower-case hex SHA-256');
}

/** Usage is counted per calendar month, `YYYY-MM`. */
export function assertUsageMonth(month: string): void {
  if (!USAGE_MONTH.test(month)) throw new Error(`usage month ${JSON.stringify(month)} is not YYYY-MM`);
}

export function assertOperationCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 0) throw new Error(`operation count ${count} is not a whole number >= 0`);
}

export const ACCOUNT_STORE = Symbol('AccountStore');
