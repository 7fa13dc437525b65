// The embedded AccountStore: a SQLite file of its own beside the message store (`<dataDir>/accounts.sqlite`),
// so accounts keep their own schema version and a mail store can be wiped without losing who owns what.
//
// Every invariant the port promises is a constraint here, not a check in code: unique ids, usernames
// (case-insensitively), key ids and hashes, addresses and domains; foreign keys that cascade an account's
// deletion to its keys, addresses, domains and counters; and a CHECK that a key hash looks like a SHA-256,
// so a clear key passed by mistake is refused rather than stored.
import Database from 'better-sqlite3';
import { SqliteStore, toSqliteStoreError, type SqliteFileOptions } from '../store';
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

/** The file is normally `<dataDir>/accounts.sqlite`. */
export type SqliteAccountStoreOptions = SqliteFileOptions;

const STORE = 'sqlite account store';

/**
 * Schema migrations, applied in order inside one transaction each; `PRAGMA user_version` records how many
 * have run. Never edit a released entry: append a new one.
 */
export const ACCOUNT_MIGRATIONS: readonly string[] = [
  // 1: accounts, API keys, private addresses, custom domains, monthly usage.
  `
  CREATE TABLE accounts (
    id              TEXT    PRIMARY KEY,
    username        TEXT    NOT NULL,          -- as given
    -- Lower-cased in JS (String#toLowerCase), not with SQL lower(), which folds ASCII only: the MongoDB
    -- adapter folds the same way, so both agree on which usernames collide.
    username_lower  TEXT    NOT NULL UNIQUE,
    is_admin        INTEGER NOT NULL CHECK (is_admin IN (0, 1)),
    capture_private INTEGER NOT NULL CHECK (capture_private IN (0, 1)),
    message_limit   INTEGER NOT NULL,
    created         INTEGER NOT NULL,          -- epoch milliseconds
    updated         INTEGER NOT NULL           -- epoch milliseconds
  ) STRICT;

  CREATE TABLE api_keys (
    id         TEXT    PRIMARY KEY,
    account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- Hex SHA-256 and nothing else: the clear key never fits here.
    key_hash   TEXT    NOT NULL UNIQUE CHECK (length(key_hash) = 64 AND key_hash NOT GLOB '*[^0-9a-f]*'),
    label      TEXT    NOT NULL,
    created    INTEGER NOT NULL
  ) STRICT;
  -- Serves LIST_API_KEYS_SQL (oldest first), label removal, and the cascade from accounts.
  CREATE INDEX api_keys_by_account ON api_keys (account_id, created, id);

  CREATE TABLE private_addresses (
    address  TEXT    PRIMARY KEY,              -- lower-case
    owner_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    info     TEXT    NOT NULL,
    created  INTEGER NOT NULL,
    updated  INTEGER NOT NULL
  ) STRICT;
  -- Serves LIST_ADDRESSES_SQL and the cascade from accounts.
  CREATE INDEX private_addresses_by_owner ON private_addresses (owner_id, address);

  CREATE TABLE custom_domains (
    domain   TEXT    PRIMARY KEY,              -- lower-case
    owner_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created  INTEGER NOT NULL,
    updated  INTEGER NOT NULL
  ) STRICT;
  -- Serves LIST_DOMAINS_SQL and the cascade from accounts.
  CREATE INDEX custom_domains_by_owner ON custom_domains (owner_id, domain);

  -- One counter per account and month; the primary key also serves the cascade from accounts.
  CREATE TABLE account_usage (
    account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    month      TEXT    NOT NULL,               -- YYYY-MM
    operations INTEGER NOT NULL CHECK (operations >= 0),
    PRIMARY KEY (account_id, month)
  ) STRICT, WITHOUT ROWID;
  `,
  // 2: webhooks (where captured mail is POSTed), per address, per domain or account-wide.
  `
  CREATE TABLE webhooks (
    id       TEXT    PRIMARY KEY,
    owner_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind     TEXT    NOT NULL CHECK (kind IN ('address', 'domain', 'account')),
    target   TEXT    NOT NULL,              -- lower-case address or domain; '' for account-wide
    url      TEXT    NOT NULL,
    secret   TEXT    NOT NULL,
    created  INTEGER NOT NULL
  ) STRICT;
  -- Serves LIST_WEBHOOKS_SQL, listWebhooksFor (one owner's few webhooks) and the cascade from accounts.
  CREATE INDEX webhooks_by_owner ON webhooks (owner_id, created, id);
  `,
];

/** The schema version this build writes: the number of migrations. */
export const ACCOUNT_SCHEMA_VERSION = ACCOUNT_MIGRATIONS.length;

const ACCOUNT_COLUMNS = 'id, username, username_lower, is_admin, capture_private, message_limit, created, updated';
const ACCOUNT_VALUES = '@id, @username, @username_lower, @is_admin, @capture_private, @message_limit, @created, @updated';

const SQL = {
  insertAccount: `INSERT INTO accounts (${ACCOUNT_COLUMNS}) VALUES (${ACCOUNT_VALUES})`,
  // `created` stays what it was: the bootstrap admin is upserted on every start.
  upsertAccount: `
    INSERT INTO accounts (${ACCOUNT_COLUMNS}) VALUES (${ACCOUNT_VALUES})
    ON CONFLICT (id) DO UPDATE SET
      username = excluded.username, username_lower = excluded.username_lower, is_admin = excluded.is_admin,
      capture_private = excluded.capture_private, message_limit = excluded.message_limit,
      updated = excluded.updated`,
  getAccount: `SELECT * FROM accounts WHERE id = ?`,
  findAccountByUsername: `SELECT * FROM accounts WHERE username_lower = ?`,
  listAccounts: `SELECT * FROM accounts ORDER BY username_lower, id`,
  // NULL means "leave as is": the patch binds only what it changes.
  updateAccount: `
    UPDATE accounts SET
      is_admin = coalesce(@is_admin, is_admin),
      capture_private = coalesce(@capture_private, capture_private),
      message_limit = coalesce(@message_limit, message_limit),
      updated = @updated
    WHERE id = @id
    RETURNING *`,
  deleteAccount: `DELETE FROM accounts WHERE id = ?`,

  insertApiKey: `
    INSERT INTO api_keys (id, account_id, key_hash, label, created)
    VALUES (@id, @account_id, @key_hash, @label, @created)`,
  findApiKeyByHash: `SELECT * FROM api_keys WHERE key_hash = ?`,
  listApiKeys: `SELECT * FROM api_keys WHERE account_id = ? ORDER BY created, id`,
  removeApiKeysLabelled: `DELETE FROM api_keys WHERE account_id = ? AND label = ?`,
  revokeApiKey: `DELETE FROM api_keys WHERE account_id = ? AND id = ?`,

  // The claim is the insert: whoever inserts first owns it; everyone else learns the owner afterwards.
  claimAddress: `
    INSERT INTO private_addresses (address, owner_id, info, created, updated)
    VALUES (@address, @owner_id, @info, @created, @updated)
    ON CONFLICT (address) DO NOTHING`,
  getAddress: `SELECT * FROM private_addresses WHERE address = ?`,
  listAddresses: `SELECT * FROM private_addresses WHERE owner_id = ? ORDER BY address`,
  // A scan: reserved addresses are few, and the domain is the end of the key, which no index serves.
  listAddressesInDomain: `SELECT * FROM private_addresses WHERE substr(address, -length(@suffix)) = @suffix ORDER BY address`,
  listAllAddresses: `SELECT address FROM private_addresses ORDER BY address`,
  listAllDomains: `SELECT domain FROM custom_domains ORDER BY domain`,
  updateAddressInfo: `
    UPDATE private_addresses SET info = @info, updated = @updated
    WHERE address = @address AND owner_id = @owner_id
    RETURNING *`,
  releaseAddress: `DELETE FROM private_addresses WHERE address = ? AND owner_id = ?`,

  claimDomain: `
    INSERT INTO custom_domains (domain, owner_id, created, updated)
    VALUES (@domain, @owner_id, @created, @updated)
    ON CONFLICT (domain) DO NOTHING`,
  getDomain: `SELECT * FROM custom_domains WHERE domain = ?`,
  listDomains: `SELECT * FROM custom_domains WHERE owner_id = ? ORDER BY domain`,
  releaseDomain: `DELETE FROM custom_domains WHERE domain = ? AND owner_id = ?`,

  insertWebhook: `
    INSERT INTO webhooks (id, owner_id, kind, target, url, secret, created)
    VALUES (@id, @owner_id, @kind, @target, @url, @secret, @created)`,
  getWebhook: `SELECT * FROM webhooks WHERE id = ?`,
  listWebhooks: `SELECT * FROM webhooks WHERE owner_id = ? ORDER BY created, id`,
  listWebhooksFor: `
    SELECT * FROM webhooks
    WHERE owner_id = @owner_id
      AND (kind = 'account' OR (kind = 'address' AND target = @inbox) OR (kind = 'domain' AND target = @domain))
    ORDER BY created, id`,
  deleteWebhook: `DELETE FROM webhooks WHERE id = ? AND owner_id = ?`,

  // Counts for an account that does not exist (deleted while its mail was captured) are dropped, not
  // refused: the capture itself succeeded. The WHERE also keeps SQLite's upsert parser unambiguous.
  addOperations: `
    INSERT INTO account_usage (account_id, month, operations)
    SELECT @account_id, @month, @count WHERE EXISTS (SELECT 1 FROM accounts WHERE id = @account_id)
    ON CONFLICT (account_id, month) DO UPDATE SET operations = operations + excluded.operations`,
  getOperations: `SELECT operations FROM account_usage WHERE account_id = ? AND month = ?`,
} as const;

// Rows as SQLite hands them back: snake_case, booleans as 0/1, instants as epoch milliseconds.
interface AccountRow {
  id: string;
  username: string;
  username_lower: string;
  is_admin: number;
  capture_private: number;
  message_limit: number;
  created: number;
  updated: number;
}

interface ApiKeyRow {
  id: string;
  account_id: string;
  key_hash: string;
  label: string;
  created: number;
}

interface AddressRow {
  address: string;
  owner_id: string;
  info: string;
  created: number;
  updated: number;
}

interface DomainRow {
  domain: string;
  owner_id: string;
  created: number;
  updated: number;
}

interface WebhookRow {
  id: string;
  owner_id: string;
  kind: StoredWebhook['kind'];
  target: string;
  url: string;
  secret: string;
  created: number;
}

interface AccountPatchRow {
  id: string;
  is_admin: number | null;
  capture_private: number | null;
  message_limit: number | null;
  updated: number;
}

type Statement<Params extends unknown[] | object, Result = unknown> = Database.Statement<Params, Result>;

/** Everything that exists only while the store is open: what was prepared on its connection. */
interface OpenStore {
  insertAccount: Statement<AccountRow>;
  upsertAccount: Statement<AccountRow>;
  getAccount: Statement<[string], AccountRow>;
  findAccountByUsername: Statement<[string], AccountRow>;
  listAccounts: Statement<[], AccountRow>;
  updateAccount: Statement<AccountPatchRow, AccountRow>;
  deleteAccount: Statement<[string]>;
  insertApiKey: Statement<ApiKeyRow>;
  findApiKeyByHash: Statement<[string], ApiKeyRow>;
  listApiKeys: Statement<[string], ApiKeyRow>;
  removeApiKeysLabelled: Statement<[string, string]>;
  revokeApiKey: Statement<[string, string]>;
  claimAddress: Statement<AddressRow>;
  getAddress: Statement<[string], AddressRow>;
  listAddresses: Statement<[string], AddressRow>;
  listAddressesInDomain: Statement<{ suffix: string }, AddressRow>;
  listAllAddresses: Statement<[], { address: string }>;
  listAllDomains: Statement<[], { domain: string }>;
  updateAddressInfo: Statement<Pick<AddressRow, 'address' | 'owner_id' | 'info' | 'updated'>, AddressRow>;
  releaseAddress: Statement<[string, string]>;
  claimDomain: Statement<DomainRow>;
  getDomain: Statement<[string], DomainRow>;
  listDomains: Statement<[string], DomainRow>;
  releaseDomain: Statement<[string, string]>;
  addOperations: Statement<{ account_id: string; month: string; count: number }>;
  getOperations: Statement<[string, string], { operations: number }>;
  insertWebhook: Statement<WebhookRow>;
  getWebhook: Statement<[string], WebhookRow>;
  listWebhooks: Statement<[string], WebhookRow>;
  listWebhooksFor: Statement<{ owner_id: string; inbox: string; domain: string }, WebhookRow>;
  deleteWebhook: Statement<[string, string]>;
  /** Insert-or-learn-the-owner in one write transaction, so no release can slip in between. */
  claimAddressTx: (row: AddressRow) => ClaimResult;
  claimDomainTx: (row: DomainRow) => ClaimResult;
}

export class SqliteAccountStore extends SqliteStore<OpenStore> implements AccountStore {
  constructor(options: SqliteAccountStoreOptions) {
    super(options, { name: STORE, migrations: ACCOUNT_MIGRATIONS, prepare });
  }

  async createAccount(account: StoredAccount): Promise<void> {
    this.useExpecting('createAccount', (s) => s.insertAccount.run(toAccountRow(account)), {
      conflict: `account id ${account.id} or username ${account.username} is taken`,
    });
  }

  async upsertAccount(account: StoredAccount): Promise<void> {
    this.useExpecting('upsertAccount', (s) => s.upsertAccount.run(toAccountRow(account)), {
      conflict: `username ${account.username} belongs to another account`,
    });
  }

  async getAccount(id: string): Promise<StoredAccount | null> {
    const row = this.use('getAccount', (s) => s.getAccount.get(id));
    return row ? fromAccountRow(row) : null;
  }

  async findAccountByUsername(username: string): Promise<StoredAccount | null> {
    const row = this.use('findAccountByUsername', (s) => s.findAccountByUsername.get(username.toLowerCase()));
    return row ? fromAccountRow(row) : null;
  }

  async listAccounts(): Promise<StoredAccount[]> {
    return this.use('listAccounts', (s) => s.listAccounts.all()).map(fromAccountRow);
  }

  async updateAccount(id: string, patch: AccountPatch): Promise<StoredAccount | null> {
    if (isEmptyPatch(patch)) return this.getAccount(id);
    const row = this.use('updateAccount', (s) =>
      s.updateAccount.get({
        id,
        is_admin: patch.isAdmin === undefined ? null : bit(patch.isAdmin),
        capture_private: patch.capturePrivate === undefined ? null : bit(patch.capturePrivate),
        message_limit: patch.messageLimit ?? null,
        updated: Date.now(),
      }),
    );
    return row ? fromAccountRow(row) : null;
  }

  async deleteAccount(id: string): Promise<boolean> {
    // Keys, addresses, domains and counters go with it: ON DELETE CASCADE, in the same statement.
    return this.use('deleteAccount', (s) => s.deleteAccount.run(id).changes > 0);
  }

  async addApiKey(key: StoredApiKey): Promise<void> {
    assertKeyHash(key.keyHash);
    this.useExpecting('addApiKey', (s) => s.insertApiKey.run(toApiKeyRow(key)), {
      conflict: `API key id ${key.id} or its hash is taken`,
      missingAccount: key.accountId,
    });
  }

  async findApiKeyByHash(keyHash: string): Promise<StoredApiKey | null> {
    const row = this.use('findApiKeyByHash', (s) => s.findApiKeyByHash.get(keyHash));
    return row ? fromApiKeyRow(row) : null;
  }

  async listApiKeys(accountId: string): Promise<StoredApiKey[]> {
    return this.use('listApiKeys', (s) => s.listApiKeys.all(accountId)).map(fromApiKeyRow);
  }

  async removeApiKeysLabelled(accountId: string, label: string): Promise<number> {
    return this.use('removeApiKeysLabelled', (s) => s.removeApiKeysLabelled.run(accountId, label).changes);
  }

  async revokeApiKey(accountId: string, keyId: string): Promise<boolean> {
    return this.use('revokeApiKey', (s) => s.revokeApiKey.run(accountId, keyId).changes > 0);
  }

  async claimAddress(address: PrivateAddress): Promise<ClaimResult> {
    const row: AddressRow = {
      address: address.address.toLowerCase(),
      owner_id: address.ownerId,
      info: address.info,
      created: address.created.getTime(),
      updated: address.updated.getTime(),
    };
    return this.useExpecting('claimAddress', (s) => s.claimAddressTx(row), { missingAccount: address.ownerId });
  }

  async getAddress(address: string): Promise<PrivateAddress | null> {
    const row = this.use('getAddress', (s) => s.getAddress.get(address.toLowerCase()));
    return row ? fromAddressRow(row) : null;
  }

  async listAddresses(ownerId: string): Promise<PrivateAddress[]> {
    return this.use('listAddresses', (s) => s.listAddresses.all(ownerId)).map(fromAddressRow);
  }

  async listAddressesInDomain(domain: string): Promise<PrivateAddress[]> {
    return this.use('listAddressesInDomain', (s) => s.listAddressesInDomain.all({ suffix: `@${domain.toLowerCase()}` })).map(fromAddressRow);
  }

  async listOwnedNames(): Promise<{ addresses: string[]; domains: string[] }> {
    return this.use('listOwnedNames', (s) => ({
      addresses: s.listAllAddresses.all().map((row) => row.address),
      domains: s.listAllDomains.all().map((row) => row.domain),
    }));
  }

  async updateAddress(address: string, ownerId: string, patch: { info?: string }): Promise<PrivateAddress | null> {
    const key = address.toLowerCase();
    const row = this.use('updateAddress', (s) => {
      if (patch.info === undefined) {
        const current = s.getAddress.get(key);
        return current?.owner_id === ownerId ? current : undefined;
      }
      return s.updateAddressInfo.get({ address: key, owner_id: ownerId, info: patch.info, updated: Date.now() });
    });
    return row ? fromAddressRow(row) : null;
  }

  async releaseAddress(address: string, ownerId: string): Promise<boolean> {
    return this.use('releaseAddress', (s) => s.releaseAddress.run(address.toLowerCase(), ownerId).changes > 0);
  }

  async claimDomain(domain: CustomDomain): Promise<ClaimResult> {
    const row: DomainRow = {
      domain: domain.domain.toLowerCase(),
      owner_id: domain.ownerId,
      created: domain.created.getTime(),
      updated: domain.updated.getTime(),
    };
    return this.useExpecting('claimDomain', (s) => s.claimDomainTx(row), { missingAccount: domain.ownerId });
  }

  async getDomain(domain: string): Promise<CustomDomain | null> {
    const row = this.use('getDomain', (s) => s.getDomain.get(domain.toLowerCase()));
    return row ? fromDomainRow(row) : null;
  }

  async listDomains(ownerId: string): Promise<CustomDomain[]> {
    return this.use('listDomains', (s) => s.listDomains.all(ownerId)).map(fromDomainRow);
  }

  async releaseDomain(domain: string, ownerId: string): Promise<boolean> {
    return this.use('releaseDomain', (s) => s.releaseDomain.run(domain.toLowerCase(), ownerId).changes > 0);
  }

  async addOperations(accountId: string, month: string, count: number): Promise<void> {
    assertUsageMonth(month);
    assertOperationCount(count);
    this.use('addOperations', (s) => s.addOperations.run({ account_id: accountId, month, count }));
  }

  async getOperations(accountId: string, month: string): Promise<number> {
    assertUsageMonth(month);
    return this.use('getOperations', (s) => s.getOperations.get(accountId, month)?.operations ?? 0);
  }

  async addWebhook(webhook: StoredWebhook): Promise<void> {
    const row: WebhookRow = {
      id: webhook.id,
      owner_id: webhook.ownerId,
      kind: webhook.kind,
      target: webhook.target.toLowerCase(),
      url: webhook.url,
      secret: webhook.secret,
      created: webhook.created.getTime(),
    };
    this.useExpecting('addWebhook', (s) => s.insertWebhook.run(row), {
      conflict: `webhook id ${webhook.id} is taken`,
      missingAccount: webhook.ownerId,
    });
  }

  async getWebhook(id: string): Promise<StoredWebhook | null> {
    const row = this.use('getWebhook', (s) => s.getWebhook.get(id));
    return row ? fromWebhookRow(row) : null;
  }

  async listWebhooks(ownerId: string): Promise<StoredWebhook[]> {
    return this.use('listWebhooks', (s) => s.listWebhooks.all(ownerId)).map(fromWebhookRow);
  }

  async listWebhooksFor(ownerId: string, inbox: string, domain: string): Promise<StoredWebhook[]> {
    const params = { owner_id: ownerId, inbox: inbox.toLowerCase(), domain: domain.toLowerCase() };
    return this.use('listWebhooksFor', (s) => s.listWebhooksFor.all(params)).map(fromWebhookRow);
  }

  async deleteWebhook(id: string, ownerId: string): Promise<boolean> {
    return this.use('deleteWebhook', (s) => s.deleteWebhook.run(id, ownerId).changes > 0);
  }

  /** As use(), but the constraint failures this operation expects become the port's errors. */
  private useExpecting<T>(operation: string, work: (store: OpenStore) => T, expected: ExpectedFailures): T {
    return this.use(operation, work, (error) => toStoreError(operation, error, expected));
  }
}

/** What a constraint failure means for the operation at hand. */
interface ExpectedFailures {
  /** A unique constraint failed: the message of the AccountConflictError. */
  conflict?: string;
  /** A foreign key failed: the account id that does not exist. */
  missingAccount?: string;
}

function prepare(db: Database.Database): OpenStore {
  const statements = {
    insertAccount: db.prepare<AccountRow>(SQL.insertAccount),
    upsertAccount: db.prepare<AccountRow>(SQL.upsertAccount),
    getAccount: db.prepare<[string], AccountRow>(SQL.getAccount),
    findAccountByUsername: db.prepare<[string], AccountRow>(SQL.findAccountByUsername),
    listAccounts: db.prepare<[], AccountRow>(SQL.listAccounts),
    updateAccount: db.prepare<AccountPatchRow, AccountRow>(SQL.updateAccount),
    deleteAccount: db.prepare<[string]>(SQL.deleteAccount),
    insertApiKey: db.prepare<ApiKeyRow>(SQL.insertApiKey),
    findApiKeyByHash: db.prepare<[string], ApiKeyRow>(SQL.findApiKeyByHash),
    listApiKeys: db.prepare<[string], ApiKeyRow>(SQL.listApiKeys),
    removeApiKeysLabelled: db.prepare<[string, string]>(SQL.removeApiKeysLabelled),
    revokeApiKey: db.prepare<[string, string]>(SQL.revokeApiKey),
    claimAddress: db.prepare<AddressRow>(SQL.claimAddress),
    getAddress: db.prepare<[string], AddressRow>(SQL.getAddress),
    listAddresses: db.prepare<[string], AddressRow>(SQL.listAddresses),
    listAddressesInDomain: db.prepare<{ suffix: string }, AddressRow>(SQL.listAddressesInDomain),
    listAllAddresses: db.prepare<[], { address: string }>(SQL.listAllAddresses),
    listAllDomains: db.prepare<[], { domain: string }>(SQL.listAllDomains),
    updateAddressInfo: db.prepare<Pick<AddressRow, 'address' | 'owner_id' | 'info' | 'updated'>, AddressRow>(
      SQL.updateAddressInfo,
    ),
    releaseAddress: db.prepare<[string, string]>(SQL.releaseAddress),
    claimDomain: db.prepare<DomainRow>(SQL.claimDomain),
    getDomain: db.prepare<[string], DomainRow>(SQL.getDomain),
    listDomains: db.prepare<[string], DomainRow>(SQL.listDomains),
    releaseDomain: db.prepare<[string, string]>(SQL.releaseDomain),
    addOperations: db.prepare<{ account_id: string; month: string; count: number }>(SQL.addOperations),
    getOperations: db.prepare<[string, string], { operations: number }>(SQL.getOperations),
    insertWebhook: db.prepare<WebhookRow>(SQL.insertWebhook),
    getWebhook: db.prepare<[string], WebhookRow>(SQL.getWebhook),
    listWebhooks: db.prepare<[string], WebhookRow>(SQL.listWebhooks),
    listWebhooksFor: db.prepare<{ owner_id: string; inbox: string; domain: string }, WebhookRow>(SQL.listWebhooksFor),
    deleteWebhook: db.prepare<[string, string]>(SQL.deleteWebhook),
  };

  return {
    ...statements,
    claimAddressTx: claimTransaction<AddressRow>(db, statements.claimAddress, (row) =>
      statements.getAddress.get(row.address),
    ),
    claimDomainTx: claimTransaction<DomainRow>(db, statements.claimDomain, (row) =>
      statements.getDomain.get(row.domain),
    ),
  };
}

/**
 * A claim as one write transaction: whoever inserts first owns the row, everyone else reads who does. IMMEDIATE
 * takes the write lock before reading, so another process cannot release in between.
 */
function claimTransaction<Row extends { owner_id: string }>(
  db: Database.Database,
  insert: Statement<Row>,
  findCurrent: (row: Row) => Pick<Row, 'owner_id'> | undefined,
): (row: Row) => ClaimResult {
  const claim = db.transaction((row: Row): ClaimResult => {
    if (insert.run(row).changes > 0) return 'claimed';
    return findCurrent(row)?.owner_id === row.owner_id ? 'already-yours' : 'owned-by-another';
  });
  return (row) => claim.immediate(row);
}

/**
 * Unique constraints become AccountConflictError and a failed foreign key "account does not exist", as
 * the operation says; everything else is mapped as for any SQLite store (toSqliteStoreError): other
 * constraints (a CHECK) are the caller's bug and stay as they are, storage faults become StoreUnavailableError.
 */
function toStoreError(operation: string, error: unknown, expected: ExpectedFailures): unknown {
  if (error instanceof Database.SqliteError) {
    const { code } = error;
    const isUnique = code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
    if (isUnique && expected.conflict !== undefined) {
      return new AccountConflictError(`${operation}: ${expected.conflict}`);
    }
    if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' && expected.missingAccount !== undefined) {
      return new AccountNotFoundError(expected.missingAccount, operation);
    }
  }
  return toSqliteStoreError(STORE, operation, error);
}

function isEmptyPatch(patch: AccountPatch): boolean {
  return patch.isAdmin === undefined && patch.capturePrivate === undefined && patch.messageLimit === undefined;
}

function bit(value: boolean): number {
  return value ? 1 : 0;
}

function toAccountRow(account: StoredAccount): AccountRow {
  return {
    id: account.id,
    username: account.username,
    username_lower: account.username.toLowerCase(),
    is_admin: bit(account.isAdmin),
    capture_private: bit(account.capturePrivate),
    message_limit: account.messageLimit,
    created: account.created.getTime(),
    updated: account.updated.getTime(),
  };
}

function fromAccountRow(row: AccountRow): StoredAccount {
  return {
    id: row.id,
    username: row.username,
    isAdmin: row.is_admin === 1,
    capturePrivate: row.capture_private === 1,
    messageLimit: row.message_limit,
    created: new Date(row.created),
    updated: new Date(row.updated),
  };
}

function toApiKeyRow(key: StoredApiKey): ApiKeyRow {
  return {
    id: key.id,
    account_id: key.accountId,
    key_hash: key.keyHash,
    label: key.label,
    created: key.created.getTime(),
  };
}

function fromApiKeyRow(row: ApiKeyRow): StoredApiKey {
  return {
    id: row.id,
    accountId: row.account_id,
    keyHash: row.key_hash,
    label: row.label,
    created: new Date(row.created),
  };
}

function fromAddressRow(row: AddressRow): PrivateAddress {
  return {
    address: row.address,
    ownerId: row.owner_id,
    info: row.info,
    created: new Date(row.created),
    updated: new Date(row.updated),
  };
}

function fromDomainRow(row: DomainRow): CustomDomain {
  return {
    domain: row.domain,
    ownerId: row.owner_id,
    created: new Date(row.created),
    updated: new Date(row.updated),
  };
}

function fromWebhookRow(row: WebhookRow): StoredWebhook {
  return {
    id: row.id,
    ownerId: row.owner_id,
    kind: row.kind,
    target: row.target,
    url: row.url,
    secret: row.secret,
    created: new Date(row.created),
  };
}
