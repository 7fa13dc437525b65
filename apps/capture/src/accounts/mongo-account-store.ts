// The AccountStore on MongoDB: five collections in the same database as the mail (the URI's path,
// `capturebox` by default). Natural keys are `_id` (account id, key id, address, domain, account+month), so
// the server's own unique _id index makes ids, addresses and domains unique; usernames (lower-cased) and
// key hashes have unique indexes of their own.
//
// No transactions (FerretDB v1 and standalone MongoDB have none), so:
//   - a claim is one insertOne: the first insert of an address or domain wins, a duplicate key means
//     someone owns it already, and a read of the owner says who;
//   - deleteAccount deletes the account first, then what refers to it. Anything attached to an account is
//     written only after reading that the account exists, and read again afterwards: if the account went
//     in between, the write is undone. So a concurrent delete cannot leave an orphan key, address or
//     domain behind (its sweep either sees the new document, or the writer sees the account gone).
// Claims, key uniqueness and deletes rest on inserts and _id only. Updates ($inc on counters, $set on info
// and settings) are atomic on MongoDB; FerretDB v1 (the test server) applies them as find, change, replace
// without isolation, so there two concurrent additions to one counter may count once (a todo in the spec).
// Writes wait for w:'majority' with the journal, as the message store's do.
import type { Collection, Db, MongoClientOptions } from 'mongodb';
import {
  MongoStore,
  isDuplicateKeyError,
  mongoClientOptions,
  type MongoConnectionOptions,
  type MongoIndexDeclaration,
} from '../store';
import {
  AccountConflictError,
  AccountNotFoundError,
  assertKeyHash,
  assertOperationCount,
  assertUsageMonth,
  type AccountPatch,
  type AccountStore,
  type ClaimResult,
  type CustomDomain,
  type PrivateAddress,
  type StoredAccount,
  type StoredApiKey,
  type StoredWebhook,
} from './account-store';

export type MongoAccountStoreOptions = MongoConnectionOptions;

export const ACCOUNT_COLLECTIONS = {
  accounts: 'accounts',
  apiKeys: 'api_keys',
  privateAddresses: 'private_addresses',
  customDomains: 'custom_domains',
  accountUsage: 'account_usage',
  webhooks: 'webhooks',
} as const;

type AccountCollectionName = (typeof ACCOUNT_COLLECTIONS)[keyof typeof ACCOUNT_COLLECTIONS];

// ---- documents -----------------------------------------------------------------------------------------

export interface AccountDocument {
  _id: string;
  username: string;
  /** String#toLowerCase of username: the unique, case-insensitive key. */
  usernameLower: string;
  isAdmin: boolean;
  capturePrivate: boolean;
  messageLimit: number;
  created: Date;
  updated: Date;
}

export interface ApiKeyDocument {
  /** The key's public id. */
  _id: string;
  accountId: string;
  /** Hex SHA-256; the clear key is never stored. */
  keyHash: string;
  label: string;
  created: Date;
}

export interface PrivateAddressDocument {
  /** The lower-case address. */
  _id: string;
  ownerId: string;
  info: string;
  created: Date;
  updated: Date;
}

export interface CustomDomainDocument {
  /** The lower-case domain. */
  _id: string;
  ownerId: string;
  created: Date;
  updated: Date;
}

export interface AccountUsageDocument {
  /** `<accountId>|<YYYY-MM>`: one counter per account and month, made unique by _id. */
  _id: string;
  accountId: string;
  month: string;
  operations: number;
}

export interface WebhookDocument extends Omit<StoredWebhook, 'id'> {
  _id: string;
}

// ---- indexes -------------------------------------------------------------------------------------------

export type AccountIndexDeclaration = MongoIndexDeclaration<AccountCollectionName>;

/**
 * Every secondary index, each with the query it serves; created one per command by open(). No partial or
 * TTL indexes: FerretDB v1 has neither.
 */
export const ACCOUNT_INDEXES: readonly AccountIndexDeclaration[] = [
  // findAccountByUsername, listAccounts' order; unique: usernames collide case-insensitively.
  { collection: ACCOUNT_COLLECTIONS.accounts, name: 'accounts_by_username', key: { usernameLower: 1 }, unique: true },
  // findApiKeyByHash; unique: one key, one account.
  { collection: ACCOUNT_COLLECTIONS.apiKeys, name: 'api_keys_by_hash', key: { keyHash: 1 }, unique: true },
  // listApiKeys (oldest first), removeApiKeysLabelled, deleteAccount's sweep.
  { collection: ACCOUNT_COLLECTIONS.apiKeys, name: 'api_keys_by_account', key: { accountId: 1, created: 1, _id: 1 } },
  // listAddresses (by address), deleteAccount's sweep.
  { collection: ACCOUNT_COLLECTIONS.privateAddresses, name: 'private_addresses_by_owner', key: { ownerId: 1, _id: 1 } },
  // listDomains (by domain), deleteAccount's sweep.
  { collection: ACCOUNT_COLLECTIONS.customDomains, name: 'custom_domains_by_owner', key: { ownerId: 1, _id: 1 } },
  // deleteAccount's sweep.
  { collection: ACCOUNT_COLLECTIONS.accountUsage, name: 'account_usage_by_account', key: { accountId: 1 } },
  // listWebhooks (oldest first), listWebhooksFor (one owner's few), deleteAccount's sweep.
  { collection: ACCOUNT_COLLECTIONS.webhooks, name: 'webhooks_by_owner', key: { ownerId: 1, created: 1, _id: 1 } },
];

export const usageId = (accountId: string, month: string): string => `${accountId}|${month}`;

/** The collections the store uses, bound once per open. */
interface Collections {
  accounts: Collection<AccountDocument>;
  apiKeys: Collection<ApiKeyDocument>;
  addresses: Collection<PrivateAddressDocument>;
  domains: Collection<CustomDomainDocument>;
  usage: Collection<AccountUsageDocument>;
  webhooks: Collection<WebhookDocument>;
}

/** Everything that exists only while the store is open. */
type OpenStore = Collections & { db: Db };

/**
 * How often an upsert or claim is tried again after losing a race it cannot lose twice: two upserts of one
 * new _id (one inserts, the other's retry updates), or a claim whose owner released between the insert and
 * the read.
 */
const RACE_ATTEMPTS = 5;

export class MongoAccountStore extends MongoStore<Collections> implements AccountStore {
  constructor(options: MongoAccountStoreOptions) {
    super(options, {
      name: 'mongo account store',
      clientOptions: accountClientOptions(options),
      indexes: ACCOUNT_INDEXES,
      collections: collectionsOf,
    });
  }

  async createAccount(account: StoredAccount): Promise<void> {
    await this.use('createAccount', async (s) => {
      try {
        await s.accounts.insertOne(toAccountDocument(account));
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        throw new AccountConflictError(`createAccount: account id ${account.id} or username ${account.username} is taken`);
      }
    });
  }

  async upsertAccount(account: StoredAccount): Promise<void> {
    const { _id, created, ...fields } = toAccountDocument(account);
    await this.use('upsertAccount', async (s) => {
      for (let attempt = 1; ; attempt++) {
        try {
          // `created` only on insert: the bootstrap admin is upserted on every start.
          await s.accounts.updateOne({ _id }, { $set: fields, $setOnInsert: { created } }, { upsert: true });
          return;
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
          // Either another upsert inserted this _id first (the next attempt updates it), or the username
          // is another account's (every attempt fails).
          if (attempt >= RACE_ATTEMPTS) {
            throw new AccountConflictError(`upsertAccount: username ${account.username} belongs to another account`);
          }
        }
      }
    });
  }

  async getAccount(id: string): Promise<StoredAccount | null> {
    return this.use('getAccount', async (s) => fromAccountDocument(await s.accounts.findOne({ _id: id })));
  }

  async findAccountByUsername(username: string): Promise<StoredAccount | null> {
    return this.use('findAccountByUsername', async (s) =>
      fromAccountDocument(await s.accounts.findOne({ usernameLower: username.toLowerCase() })),
    );
  }

  async listAccounts(): Promise<StoredAccount[]> {
    return this.use('listAccounts', async (s) => {
      const documents = await s.accounts.find({}).sort({ usernameLower: 1, _id: 1 }).toArray();
      return documents.map((document) => fromAccountDocument(document)!);
    });
  }

  async updateAccount(id: string, patch: AccountPatch): Promise<StoredAccount | null> {
    const set: Partial<AccountDocument> = {};
    if (patch.isAdmin !== undefined) set.isAdmin = patch.isAdmin;
    if (patch.capturePrivate !== undefined) set.capturePrivate = patch.capturePrivate;
    if (patch.messageLimit !== undefined) set.messageLimit = patch.messageLimit;
    if (Object.keys(set).length === 0) return this.getAccount(id);
    return this.use('updateAccount', async (s) => {
      const updated = await s.accounts.findOneAndUpdate(
        { _id: id },
        { $set: { ...set, updated: new Date() } },
        { returnDocument: 'after' },
      );
      return fromAccountDocument(updated);
    });
  }

  async deleteAccount(id: string): Promise<boolean> {
    return this.use('deleteAccount', async (s) => {
      // The account first: from here on every attach (key, claim) sees it gone and undoes itself.
      const { deletedCount } = await s.accounts.deleteOne({ _id: id });
      // Swept even when the account was already gone: finishes a delete that failed half-way.
      // Keys before the rest: they are what could still authenticate.
      await s.apiKeys.deleteMany({ accountId: id });
      await s.addresses.deleteMany({ ownerId: id });
      await s.domains.deleteMany({ ownerId: id });
      await s.usage.deleteMany({ accountId: id });
      await s.webhooks.deleteMany({ ownerId: id });
      return deletedCount > 0;
    });
  }

  async addApiKey(key: StoredApiKey): Promise<void> {
    assertKeyHash(key.keyHash);
    await this.use('addApiKey', async (s) => {
      await requireAccount(s, key.accountId, 'addApiKey');
      try {
        await s.apiKeys.insertOne(toApiKeyDocument(key));
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        throw new AccountConflictError(`addApiKey: API key id ${key.id} or its hash is taken`);
      }
      await undoUnlessAccountExists(s, key.accountId, 'addApiKey', () => s.apiKeys.deleteOne({ _id: key.id }));
    });
  }

  async findApiKeyByHash(keyHash: string): Promise<StoredApiKey | null> {
    return this.use('findApiKeyByHash', async (s) => fromApiKeyDocument(await s.apiKeys.findOne({ keyHash })));
  }

  async listApiKeys(accountId: string): Promise<StoredApiKey[]> {
    return this.use('listApiKeys', async (s) => {
      const documents = await s.apiKeys.find({ accountId }).sort({ accountId: 1, created: 1, _id: 1 }).toArray();
      return documents.map((document) => fromApiKeyDocument(document)!);
    });
  }

  async removeApiKeysLabelled(accountId: string, label: string): Promise<number> {
    return this.use('removeApiKeysLabelled', async (s) => (await s.apiKeys.deleteMany({ accountId, label })).deletedCount);
  }

  async revokeApiKey(accountId: string, keyId: string): Promise<boolean> {
    return this.use('revokeApiKey', async (s) => (await s.apiKeys.deleteOne({ _id: keyId, accountId })).deletedCount > 0);
  }

  async claimAddress(address: PrivateAddress): Promise<ClaimResult> {
    const document: PrivateAddressDocument = {
      _id: address.address.toLowerCase(),
      ownerId: address.ownerId,
      info: address.info,
      created: address.created,
      updated: address.updated,
    };
    return this.use('claimAddress', (s) => claim(s, ACCOUNT_COLLECTIONS.privateAddresses, document, 'claimAddress'));
  }

  async getAddress(address: string): Promise<PrivateAddress | null> {
    return this.use('getAddress', async (s) =>
      fromAddressDocument(await s.addresses.findOne({ _id: address.toLowerCase() })),
    );
  }

  async listAddressesInDomain(domain: string): Promise<PrivateAddress[]> {
    const suffix = `@${domain.toLowerCase()}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return this.use('listAddressesInDomain', async (s) => {
      const documents = await s.addresses.find({ _id: { $regex: `${suffix}$` } }).sort({ _id: 1 }).toArray();
      return documents.map((document) => fromAddressDocument(document)!);
    });
  }

  async listAddresses(ownerId: string): Promise<PrivateAddress[]> {
    return this.use('listAddresses', async (s) => {
      const documents = await s.addresses.find({ ownerId }).sort({ ownerId: 1, _id: 1 }).toArray();
      return documents.map((document) => fromAddressDocument(document)!);
    });
  }

  async listOwnedNames(): Promise<{ addresses: string[]; domains: string[] }> {
    return this.use('listOwnedNames', async (s) => {
      const [addresses, domains] = await Promise.all([
        s.addresses.find({}, { projection: { _id: 1 } }).sort({ _id: 1 }).toArray(),
        s.domains.find({}, { projection: { _id: 1 } }).sort({ _id: 1 }).toArray(),
      ]);
      return { addresses: addresses.map((document) => document._id), domains: domains.map((document) => document._id) };
    });
  }

  async updateAddress(address: string, ownerId: string, patch: { info?: string }): Promise<PrivateAddress | null> {
    const key = { _id: address.toLowerCase(), ownerId };
    return this.use('updateAddress', async (s) => {
      if (patch.info === undefined) {
        // By _id alone (FerretDB v1 pushes only that down to SQL); the owner is compared here.
        const current = await s.addresses.findOne({ _id: key._id });
        return current?.ownerId === ownerId ? fromAddressDocument(current) : null;
      }
      const updated = await s.addresses.findOneAndUpdate(
        key,
        { $set: { info: patch.info, updated: new Date() } },
        { returnDocument: 'after' },
      );
      return fromAddressDocument(updated);
    });
  }

  async releaseAddress(address: string, ownerId: string): Promise<boolean> {
    return this.use('releaseAddress', async (s) =>
      (await s.addresses.deleteOne({ _id: address.toLowerCase(), ownerId })).deletedCount > 0,
    );
  }

  async claimDomain(domain: CustomDomain): Promise<ClaimResult> {
    const document: CustomDomainDocument = {
      _id: domain.domain.toLowerCase(),
      ownerId: domain.ownerId,
      created: domain.created,
      updated: domain.updated,
    };
    return this.use('claimDomain', (s) => claim(s, ACCOUNT_COLLECTIONS.customDomains, document, 'claimDomain'));
  }

  async getDomain(domain: string): Promise<CustomDomain | null> {
    return this.use('getDomain', async (s) => fromDomainDocument(await s.domains.findOne({ _id: domain.toLowerCase() })));
  }

  async listDomains(ownerId: string): Promise<CustomDomain[]> {
    return this.use('listDomains', async (s) => {
      const documents = await s.domains.find({ ownerId }).sort({ ownerId: 1, _id: 1 }).toArray();
      return documents.map((document) => fromDomainDocument(document)!);
    });
  }

  async releaseDomain(domain: string, ownerId: string): Promise<boolean> {
    return this.use('releaseDomain', async (s) =>
      (await s.domains.deleteOne({ _id: domain.toLowerCase(), ownerId })).deletedCount > 0,
    );
  }

  async addOperations(accountId: string, month: string, count: number): Promise<void> {
    assertUsageMonth(month);
    assertOperationCount(count);
    await this.use('addOperations', async (s) => {
      // Dropped for an unknown account, as in SQLite. Not re-checked afterwards (this runs once per captured
      // message): a counter written while its account is deleted may outlive it, harmlessly.
      if (!(await accountExists(s, accountId))) return;
      const _id = usageId(accountId, month);
      for (let attempt = 1; ; attempt++) {
        try {
          // $inc is atomic on the server: concurrent adds never lose each other.
          await s.usage.updateOne(
            { _id },
            { $inc: { operations: count }, $setOnInsert: { accountId, month } },
            { upsert: true },
          );
          return;
        } catch (error) {
          // Two upserts of a new month raced and the other inserted first: this one now updates.
          if (!isDuplicateKeyError(error) || attempt >= RACE_ATTEMPTS) throw error;
        }
      }
    });
  }

  async addWebhook(webhook: StoredWebhook): Promise<void> {
    const { id, ...fields } = webhook;
    const document: WebhookDocument = { _id: id, ...fields, target: webhook.target.toLowerCase() };
    await this.use('addWebhook', async (s) => {
      await requireAccount(s, webhook.ownerId, 'addWebhook');
      try {
        await s.webhooks.insertOne(document);
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        throw new AccountConflictError(`addWebhook: webhook id ${id} is taken`);
      }
      await undoUnlessAccountExists(s, webhook.ownerId, 'addWebhook', () => s.webhooks.deleteOne({ _id: id }));
    });
  }

  async getWebhook(id: string): Promise<StoredWebhook | null> {
    return this.use('getWebhook', async (s) => fromWebhookDocument(await s.webhooks.findOne({ _id: id })));
  }

  async listWebhooks(ownerId: string): Promise<StoredWebhook[]> {
    return this.use('listWebhooks', async (s) => {
      const documents = await s.webhooks.find({ ownerId }).sort({ ownerId: 1, created: 1, _id: 1 }).toArray();
      return documents.map((document) => fromWebhookDocument(document)!);
    });
  }

  async listWebhooksFor(ownerId: string, inbox: string, domain: string): Promise<StoredWebhook[]> {
    // An owner has a handful: filtered here rather than with an $or FerretDB v1 would not push down.
    const [address, host] = [inbox.toLowerCase(), domain.toLowerCase()];
    return (await this.listWebhooks(ownerId)).filter(
      (webhook) =>
        webhook.kind === 'account' ||
        (webhook.kind === 'address' && webhook.target === address) ||
        (webhook.kind === 'domain' && webhook.target === host),
    );
  }

  async deleteWebhook(id: string, ownerId: string): Promise<boolean> {
    return this.use('deleteWebhook', async (s) => (await s.webhooks.deleteOne({ _id: id, ownerId })).deletedCount > 0);
  }

  async getOperations(accountId: string, month: string): Promise<number> {
    assertUsageMonth(month);
    return this.use('getOperations', async (s) => {
      const counter = await s.usage.findOne({ _id: usageId(accountId, month) });
      return counter?.operations ?? 0;
    });
  }
}

// ---- claims --------------------------------------------------------------------------------------------

/** What a claim needs of an address or domain document. */
interface ClaimDocument {
  _id: string;
  ownerId: string;
}

/**
 * The insert is the claim: _id is the address or domain, so the first insert wins and every other gets a
 * duplicate key, after which the owner is read. When that read finds nothing, the owner released it in
 * between, and the claim is tried again.
 */
async function claim(
  s: OpenStore,
  collectionName: AccountCollectionName,
  document: ClaimDocument,
  operation: string,
): Promise<ClaimResult> {
  const collection = s.db.collection<ClaimDocument>(collectionName);
  await requireAccount(s, document.ownerId, operation);
  for (let attempt = 1; ; attempt++) {
    try {
      await collection.insertOne(document);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const owner = await collection.findOne({ _id: document._id });
      if (owner) return owner.ownerId === document.ownerId ? 'already-yours' : 'owned-by-another';
      if (attempt >= RACE_ATTEMPTS) throw error;
      continue;
    }
    await undoUnlessAccountExists(s, document.ownerId, operation, () =>
      collection.deleteOne({ _id: document._id, ownerId: document.ownerId }),
    );
    return 'claimed';
  }
}

async function accountExists(s: OpenStore, accountId: string): Promise<boolean> {
  // By _id alone: FerretDB v1 pushes only that filter down to SQL.
  return (await s.accounts.findOne({ _id: accountId }, { projection: { _id: 1 } })) !== null;
}

async function requireAccount(s: OpenStore, accountId: string, operation: string): Promise<void> {
  if (!(await accountExists(s, accountId))) throw new AccountNotFoundError(accountId, operation);
}

/** The second half of "attach only to an account that exists": see the top of the file. */
async function undoUnlessAccountExists(
  s: OpenStore,
  accountId: string,
  operation: string,
  undo: () => Promise<unknown>,
): Promise<void> {
  if (await accountExists(s, accountId)) return;
  await undo();
  throw new AccountNotFoundError(accountId, operation);
}

// ---- connection ----------------------------------------------------------------------------------------

function collectionsOf(db: Db): Collections {
  return {
    accounts: db.collection<AccountDocument>(ACCOUNT_COLLECTIONS.accounts),
    apiKeys: db.collection<ApiKeyDocument>(ACCOUNT_COLLECTIONS.apiKeys),
    addresses: db.collection<PrivateAddressDocument>(ACCOUNT_COLLECTIONS.privateAddresses),
    domains: db.collection<CustomDomainDocument>(ACCOUNT_COLLECTIONS.customDomains),
    usage: db.collection<AccountUsageDocument>(ACCOUNT_COLLECTIONS.accountUsage),
    webhooks: db.collection<WebhookDocument>(ACCOUNT_COLLECTIONS.webhooks),
  };
}

/**
 * The message store's driver settings (majority, journaled writes and a short server selection, so callers get
 * StoreUnavailableError (503) quickly rather than hanging), under a name of its own in the server's logs.
 */
export function accountClientOptions(options: MongoAccountStoreOptions): MongoClientOptions {
  return mongoClientOptions(options, 'capturebox-accounts');
}

// ---- mapping -------------------------------------------------------------------------------------------

function toAccountDocument(account: StoredAccount): AccountDocument {
  return {
    _id: account.id,
    username: account.username,
    usernameLower: account.username.toLowerCase(),
    isAdmin: account.isAdmin,
    capturePrivate: account.capturePrivate,
    messageLimit: account.messageLimit,
    created: account.created,
    updated: account.updated,
  };
}

// Field by field, so that nothing the database adds leaks out (usernameLower, a later schema's fields).
function fromAccountDocument(document: AccountDocument | null): StoredAccount | null {
  if (!document) return null;
  return {
    id: document._id,
    username: document.username,
    isAdmin: document.isAdmin,
    capturePrivate: document.capturePrivate,
    messageLimit: document.messageLimit,
    created: document.created,
    updated: document.updated,
  };
}

function toApiKeyDocument(key: StoredApiKey): ApiKeyDocument {
  return { _id: key.id, accountId: key.accountId, keyHash: key.keyHash, label: key.label, created: key.created };
}

function fromApiKeyDocument(document: ApiKeyDocument | null): StoredApiKey | null {
  if (!document) return null;
  return {
    id: document._id,
    accountId: document.accountId,
    keyHash: document.keyHash,
    label: document.label,
    created: document.created,
  };
}

function fromAddressDocument(document: PrivateAddressDocument | null): PrivateAddress | null {
  if (!document) return null;
  return {
    address: document._id,
    ownerId: document.ownerId,
    info: document.info,
    created: document.created,
    updated: document.updated,
  };
}

function fromDomainDocument(document: CustomDomainDocument | null): CustomDomain | null {
  if (!document) return null;
  return { domain: document._id, ownerId: document.ownerId, created: document.created, updated: document.updated };
}

function fromWebhookDocument(document: WebhookDocument | null): StoredWebhook | null {
  if (!document) return null;
  return {
    id: document._id,
    ownerId: document.ownerId,
    kind: document.kind,
    target: document.target,
    url: document.url,
    secret: document.secret,
    created: document.created,
  };
}
