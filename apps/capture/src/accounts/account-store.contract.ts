// The accounts storage contract: the behaviour every AccountStore adapter must show, written once and run
// against each adapter from its own spec file (`describeAccountStoreContract('sqlite', ...)`).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { StoreUnavailableError } from '../store';
import {
  AccountConflictError,
  AccountNotFoundError,
  type AccountStore,
  type CustomDomain,
  type PrivateAddress,
  type StoredAccount,
  type StoredApiKey,
  type StoredWebhook,
} from './account-store';
import { generateApiKey, hashApiKey } from './api-keys';

/** What an adapter's spec hands the contract for each test: a fresh, empty, not yet opened store. */
export interface AccountStoreHarness {
  /** Not opened yet: the contract calls open() and close() itself. close() must be idempotent. */
  store: AccountStore;
  /** A new store instance over the same backing data, not opened yet; the contract closes the current one first. */
  reopen: () => Promise<AccountStore>;
  /** Removes the backing data; called after the current store is closed. */
  cleanup: () => Promise<void>;
  /**
   * Why the server may lose one of two concurrent updates of a document, when it may (FerretDB v1 applies
   * an update as read, change, write back, without isolation). The concurrent-counter test then runs as a
   * todo: reported, not failing. Claims are inserts and must hold everywhere.
   */
  nonAtomicUpdates?: string;
}

const BASE_TIME = Date.parse('2024-05-06T07:08:09.123Z');
const at = (minutes: number): Date => new Date(BASE_TIME + minutes * 60_000);

let fixtureCounter = 0;
const uniqueSuffix = (): string => `${++fixtureCounter}-${randomBytes(3).toString('hex')}`;

/** A stored account with unique id and username; dates in the past so that updates visibly move `updated`. */
export function makeStoredAccount(overrides: Partial<StoredAccount> = {}): StoredAccount {
  const suffix = uniqueSuffix();
  return {
    id: `acct_${suffix}`,
    username: `user-${suffix}`,
    isAdmin: false,
    capturePrivate: false,
    messageLimit: 100,
    created: at(0),
    updated: at(1),
    ...overrides,
  };
}

/** A stored key for the account, with the clear key it was hashed from (which a store never sees). */
export function makeStoredApiKey(
  accountId: string,
  overrides: Partial<StoredApiKey> = {},
): { key: StoredApiKey; clearKey: string } {
  const clearKey = generateApiKey();
  const key: StoredApiKey = {
    id: `key_${uniqueSuffix()}`,
    accountId,
    keyHash: hashApiKey(clearKey),
    label: 'ci',
    created: at(2),
    ...overrides,
  };
  return { key, clearKey };
}

export function makePrivateAddress(
  address: string,
  ownerId: string,
  overrides: Partial<PrivateAddress> = {},
): PrivateAddress {
  return { address, ownerId, info: '', created: at(3), updated: at(3), ...overrides };
}

export function makeCustomDomain(domain: string, ownerId: string, overrides: Partial<CustomDomain> = {}): CustomDomain {
  return { domain, ownerId, created: at(4), updated: at(4), ...overrides };
}

export function describeAccountStoreContract(name: string, makeStore: () => Promise<AccountStoreHarness>): void {
  void describe(`AccountStore contract: ${name}`, () => {
    let harness: AccountStoreHarness;
    let store: AccountStore;

    beforeEach(async () => {
      harness = await makeStore();
      store = harness.store;
      await store.open();
    });

    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    async function createAccount(overrides: Partial<StoredAccount> = {}): Promise<StoredAccount> {
      const account = makeStoredAccount(overrides);
      await store.createAccount(account);
      return account;
    }

    async function addKey(accountId: string, overrides: Partial<StoredApiKey> = {}): Promise<StoredApiKey> {
      const { key } = makeStoredApiKey(accountId, overrides);
      await store.addApiKey(key);
      return key;
    }

    // ---- accounts ----

    it('reads an account back by id, and by username in any case, with every field and Dates', async () => {
      const account = await createAccount({
        username: 'Alice.Example',
        isAdmin: true,
        capturePrivate: true,
        messageLimit: 7,
      });

      const byId = await store.getAccount(account.id);
      assert.deepEqual(byId, account);
      assert.ok(byId?.created instanceof Date && byId.updated instanceof Date, 'dates come back as Date');
      for (const spelling of ['Alice.Example', 'alice.example', 'ALICE.EXAMPLE']) {
        assert.deepEqual(await store.findAccountByUsername(spelling), account, spelling);
      }
      assert.equal(await store.getAccount('acct_nobody'), null);
      assert.equal(await store.findAccountByUsername('nobody'), null);
    });

    it('refuses a second account with a taken username in any case, or a taken id, keeping the first', async () => {
      const first = await createAccount({ username: 'bob' });

      await assert.rejects(store.createAccount(makeStoredAccount({ username: 'BOB' })), AccountConflictError);
      await assert.rejects(store.createAccount(makeStoredAccount({ id: first.id })), AccountConflictError);
      assert.deepEqual(await store.listAccounts(), [first]);
    });

    it('compares usernames case-insensitively beyond ASCII, the same in every adapter', async () => {
      const account = await createAccount({ username: 'Ärger-Ωmega' });
      assert.deepEqual(await store.findAccountByUsername('äRGER-ωMEGA'), account);
      await assert.rejects(store.createAccount(makeStoredAccount({ username: 'ÄRGER-ΩMEGA' })), AccountConflictError);
    });

    it('upserts by id: creates when missing, then updates everything but created', async () => {
      const admin = makeStoredAccount({ id: 'admin', username: 'admin', isAdmin: true });
      await store.upsertAccount(admin);
      assert.deepEqual(await store.getAccount('admin'), admin);

      const again: StoredAccount = {
        ...admin,
        username: 'root',
        capturePrivate: true,
        messageLimit: 5,
        created: at(100),
        updated: at(101),
      };
      await store.upsertAccount(again);
      assert.deepEqual(await store.getAccount('admin'), { ...again, created: admin.created });
      assert.equal(await store.findAccountByUsername('admin'), null, 'the old username is free again');
      assert.equal((await store.findAccountByUsername('ROOT'))?.id, 'admin');
      assert.equal((await store.listAccounts()).length, 1);
    });

    it('refuses an upsert onto another account’s username', async () => {
      const other = await createAccount({ username: 'taken' });
      const admin = makeStoredAccount({ id: 'admin', username: 'Taken' });
      await assert.rejects(store.upsertAccount(admin), AccountConflictError);
      assert.equal(await store.getAccount('admin'), null);
      assert.deepEqual(await store.findAccountByUsername('taken'), other);
    });

    it('survives 20 concurrent upserts of one new account, ending with one account', async () => {
      const admin = makeStoredAccount({ id: 'admin', username: 'admin' });
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.upsertAccount({ ...admin, messageLimit: i })));
      const accounts = await store.listAccounts();
      assert.equal(accounts.length, 1);
      assert.equal(accounts[0].id, 'admin');
      assert.ok(accounts[0].messageLimit >= 0 && accounts[0].messageLimit < 20);
    });

    it('lists accounts ordered by lower-cased username', async () => {
      const carol = await createAccount({ username: 'carol' });
      const alice = await createAccount({ username: 'Alice' });
      const bob = await createAccount({ username: 'bob' });
      assert.deepEqual(await store.listAccounts(), [alice, bob, carol]);
    });

    it('patches only the given fields, moves updated forward, and returns null for an unknown id', async () => {
      const account = await createAccount({ isAdmin: false, capturePrivate: false, messageLimit: 10 });

      const patched = await store.updateAccount(account.id, { capturePrivate: true });
      assert.ok(patched);
      assert.deepEqual({ ...patched, updated: account.updated }, { ...account, capturePrivate: true });
      assert.ok(patched.updated instanceof Date && patched.updated > account.updated, 'updated moves forward');
      assert.deepEqual(await store.getAccount(account.id), patched);

      const again = await store.updateAccount(account.id, { isAdmin: true, messageLimit: 0, capturePrivate: false });
      assert.deepEqual(
        { isAdmin: again?.isAdmin, messageLimit: again?.messageLimit, capturePrivate: again?.capturePrivate },
        { isAdmin: true, messageLimit: 0, capturePrivate: false },
      );
      assert.deepEqual(await store.updateAccount(account.id, {}), again, 'an empty patch changes nothing');
      assert.equal(await store.updateAccount('acct_nobody', { isAdmin: true }), null);
      assert.equal(await store.getAccount('acct_nobody'), null, 'an update never creates');
    });

    it('deletes an account with its keys, addresses, domains and counters, and nothing of another', async () => {
      const doomed = await createAccount();
      const kept = await createAccount();
      const doomedKey = await addKey(doomed.id);
      const keptKey = await addKey(kept.id);
      await store.claimAddress(makePrivateAddress('doomed@example.com', doomed.id));
      await store.claimAddress(makePrivateAddress('kept@example.com', kept.id));
      await store.claimDomain(makeCustomDomain('doomed.example', doomed.id));
      await store.claimDomain(makeCustomDomain('kept.example', kept.id));
      await store.addOperations(doomed.id, '2024-05', 3);
      await store.addOperations(kept.id, '2024-05', 4);

      assert.equal(await store.deleteAccount(doomed.id), true);

      assert.equal(await store.getAccount(doomed.id), null);
      assert.equal(await store.findApiKeyByHash(doomedKey.keyHash), null);
      assert.deepEqual(await store.listApiKeys(doomed.id), []);
      assert.equal(await store.getAddress('doomed@example.com'), null);
      assert.deepEqual(await store.listAddresses(doomed.id), []);
      assert.equal(await store.getDomain('doomed.example'), null);
      assert.deepEqual(await store.listDomains(doomed.id), []);
      assert.equal(await store.getOperations(doomed.id, '2024-05'), 0);

      assert.deepEqual(await store.getAccount(kept.id), kept);
      assert.deepEqual(await store.findApiKeyByHash(keptKey.keyHash), keptKey);
      assert.equal((await store.getAddress('kept@example.com'))?.ownerId, kept.id);
      assert.equal((await store.getDomain('kept.example'))?.ownerId, kept.id);
      assert.equal(await store.getOperations(kept.id, '2024-05'), 4);

      assert.equal(await store.claimAddress(makePrivateAddress('doomed@example.com', kept.id)), 'claimed', 'freed');
      assert.equal(await store.deleteAccount(doomed.id), false, 'a second delete finds nothing');

      // The id and username can be used again, and start with nothing.
      const reborn = await createAccount({ id: doomed.id, username: doomed.username });
      assert.deepEqual(await store.listApiKeys(reborn.id), []);
      assert.equal(await store.getOperations(reborn.id, '2024-05'), 0);
    });

    // ---- API keys ----

    it('adds API keys, finds them by hash, lists an account’s oldest first, and only its own', async () => {
      const alice = await createAccount();
      const bob = await createAccount();
      const newer = await addKey(alice.id, { label: 'deploy', created: at(20) });
      const older = await addKey(alice.id, { label: 'ci', created: at(10) });
      const bobs = await addKey(bob.id);

      const found = await store.findApiKeyByHash(older.keyHash);
      assert.deepEqual(found, older);
      assert.ok(found?.created instanceof Date);
      assert.deepEqual(await store.listApiKeys(alice.id), [older, newer]);
      assert.deepEqual(await store.listApiKeys(bob.id), [bobs]);
      assert.deepEqual(await store.listApiKeys('acct_nobody'), []);
      assert.equal(await store.findApiKeyByHash(hashApiKey('not a key of anyone')), null);
    });

    it('refuses a key whose id or hash is taken, by any account', async () => {
      const alice = await createAccount();
      const bob = await createAccount();
      const key = await addKey(alice.id);

      await assert.rejects(store.addApiKey(makeStoredApiKey(bob.id, { keyHash: key.keyHash }).key), AccountConflictError);
      await assert.rejects(store.addApiKey(makeStoredApiKey(bob.id, { id: key.id }).key), AccountConflictError);
      assert.deepEqual(await store.listApiKeys(bob.id), []);
      assert.deepEqual(await store.findApiKeyByHash(key.keyHash), key);
    });

    it('refuses to store anything but a hex SHA-256 as a key hash', async () => {
      const account = await createAccount();
      const { key, clearKey } = makeStoredApiKey(account.id);
      await assert.rejects(store.addApiKey({ ...key, keyHash: clearKey }), /SHA-256/);
      await assert.rejects(store.addApiKey({ ...key, keyHash: key.keyHash.toUpperCase() }), /SHA-256/);
      assert.deepEqual(await store.listApiKeys(account.id), []);
    });

    it('refuses a key for an account that does not exist', async () => {
      await assert.rejects(store.addApiKey(makeStoredApiKey('acct_nobody').key), AccountNotFoundError);
      assert.deepEqual(await store.listApiKeys('acct_nobody'), []);
    });

    it('revokes a key only for its own account', async () => {
      const alice = await createAccount();
      const bob = await createAccount();
      const key = await addKey(alice.id);
      const other = await addKey(alice.id);

      assert.equal(await store.revokeApiKey(bob.id, key.id), false, 'not bob’s key');
      assert.deepEqual(await store.findApiKeyByHash(key.keyHash), key);
      assert.equal(await store.revokeApiKey(alice.id, key.id), true);
      assert.equal(await store.findApiKeyByHash(key.keyHash), null);
      assert.equal(await store.revokeApiKey(alice.id, key.id), false, 'already gone');
      assert.deepEqual(await store.listApiKeys(alice.id), [other]);
    });

    it('removes every key of an account with a label, and only those, counting them', async () => {
      const admin = await createAccount();
      const other = await createAccount();
      await addKey(admin.id, { label: 'bootstrap' });
      await addKey(admin.id, { label: 'bootstrap' });
      const kept = await addKey(admin.id, { label: 'deploy' });
      const othersBootstrap = await addKey(other.id, { label: 'bootstrap' });

      assert.equal(await store.removeApiKeysLabelled(admin.id, 'bootstrap'), 2);
      assert.deepEqual(await store.listApiKeys(admin.id), [kept]);
      assert.deepEqual(await store.listApiKeys(other.id), [othersBootstrap]);
      assert.equal(await store.removeApiKeysLabelled(admin.id, 'bootstrap'), 0);
    });

    // ---- private addresses ----

    it('lets the first claim of an address win: claimed, already-yours, owned-by-another', async () => {
      const alice = await createAccount();
      const bob = await createAccount();
      const claimed = makePrivateAddress('Shared@Example.COM', alice.id, { info: 'alice’s' });

      assert.equal(await store.claimAddress(claimed), 'claimed');
      assert.equal(await store.claimAddress(makePrivateAddress('shared@example.com', alice.id)), 'already-yours');
      const bobs = makePrivateAddress('SHARED@example.com', bob.id, { info: 'bob’s' });
      assert.equal(await store.claimAddress(bobs), 'owned-by-another');

      const stored = await store.getAddress('shared@EXAMPLE.com');
      assert.deepEqual(stored, { ...claimed, address: 'shared@example.com' }, 'lower-cased, first claim kept as it was');
      assert.ok(stored?.created instanceof Date && stored.updated instanceof Date);
      assert.equal(await store.getAddress('nobody@example.com'), null);
    });

    it('gives a contested address to exactly one of two accounts claiming it 20 times at once', async () => {
      const alice = await createAccount();
      const bob = await createAccount();
      const claimants = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? alice : bob));

      const results = await Promise.all(
        claimants.map((account) => store.claimAddress(makePrivateAddress('race@example.com', account.id))),
      );

      assert.equal(results.filter((result) => result === 'claimed').length, 1, JSON.stringify(results));
      const winner = claimants[results.indexOf('claimed')];
      assert.equal((await store.getAddress('race@example.com'))?.ownerId, winner.id);
      results.forEach((result, i) => {
        if (result === 'claimed') return;
        assert.equal(result, claimants[i] === winner ? 'already-yours' : 'owned-by-another', `claim ${i}`);
      });
      const listed = [...(await store.listAddresses(alice.id)), ...(await store.listAddresses(bob.id))];
      assert.deepEqual(listed.map((address) => address.address), ['race@example.com']);
    });

    it('refuses a claim of a free address by an account that does not exist', async () => {
      const ghost = makePrivateAddress('ghost@example.com', 'acct_nobody');
      await assert.rejects(store.claimAddress(ghost), AccountNotFoundError);
      assert.equal(await store.getAddress('ghost@example.com'), null);
    });

    it('lists an account’s addresses in order, and only its own', async () => {
      const alice = await createAccount();
      const bob = await createAccount();
      for (const address of ['c@example.com', 'a@example.com', 'b@example.org']) {
        await store.claimAddress(makePrivateAddress(address, alice.id));
      }
      await store.claimAddress(makePrivateAddress('bob@example.com', bob.id));

      const listed = await store.listAddresses(alice.id);
      assert.deepEqual(listed.map((address) => address.address), ['a@example.com', 'b@example.org', 'c@example.com']);
      assert.ok(listed.every((address) => address.ownerId === alice.id));
      assert.deepEqual(await store.listAddresses('acct_nobody'), []);
    });

    it('lists the addresses reserved in one domain, whoever owns them, and not its subdomains', async () => {
      const alice = await createAccount();
      const bob = await createAccount();
      await store.claimAddress(makePrivateAddress('kate@in-domain.test', alice.id));
      await store.claimAddress(makePrivateAddress('ann@in-domain.test', bob.id));
      await store.claimAddress(makePrivateAddress('x@sub.in-domain.test', bob.id));
      await store.claimAddress(makePrivateAddress('x@notin-domain.test', bob.id));
      await store.claimAddress(makePrivateAddress('x@in_domain.test', bob.id));

      const listed = await store.listAddressesInDomain('In-Domain.test');
      assert.deepEqual(listed.map((address) => [address.address, address.ownerId]), [['ann@in-domain.test', bob.id], ['kate@in-domain.test', alice.id]]);
      assert.deepEqual(await store.listAddressesInDomain('nobody.test'), []);
    });

    it('lists every private address and custom domain, whoever owns them, in order', async () => {
      assert.deepEqual(await store.listOwnedNames(), { addresses: [], domains: [] });
      const alice = await createAccount();
      const bob = await createAccount();
      await store.claimAddress(makePrivateAddress('zed@example.com', alice.id));
      await store.claimAddress(makePrivateAddress('amy@example.com', bob.id));
      await store.claimDomain(makeCustomDomain('bob.test', bob.id));
      await store.claimDomain(makeCustomDomain('alice.test', alice.id));
      assert.deepEqual(await store.listOwnedNames(), { addresses: ['amy@example.com', 'zed@example.com'], domains: ['alice.test', 'bob.test'] });
    });

    it('updates an address’s info only for its owner, moving updated forward', async () => {
      const alice = await createAccount();
      const bob = await createAccount();
      const claimed = makePrivateAddress('info@example.com', alice.id, { info: 'before' });
      await store.claimAddress(claimed);

      assert.equal(await store.updateAddress('info@example.com', bob.id, { info: 'hijacked' }), null);
      assert.equal((await store.getAddress('info@example.com'))?.info, 'before');

      const updated = await store.updateAddress('INFO@example.com', alice.id, { info: 'after' });
      assert.ok(updated);
      assert.deepEqual({ ...updated, updated: claimed.updated }, { ...claimed, info: 'after' });
      assert.ok(updated.updated > claimed.updated, 'updated moves forward');
      assert.deepEqual(await store.getAddress('info@example.com'), updated);

      assert.deepEqual(await store.updateAddress('info@example.com', alice.id, {}), updated, 'empty patch: as it is');
      assert.equal(await store.updateAddress('info@example.com', bob.id, {}), null, 'empty patch: still owner only');
      assert.equal(await store.updateAddress('nobody@example.com', alice.id, { info: 'x' }), null);
      assert.equal(await store.getAddress('nobody@example.com'), null, 'an update never claims');
    });

    it('releases an address only for its owner, after which another account may claim it', async () => {
      const alice = await createAccount();
      const bob = await createAccount();
      await store.claimAddress(makePrivateAddress('free@example.com', alice.id));

      assert.equal(await store.releaseAddress('free@example.com', bob.id), false);
      assert.equal((await store.getAddress('free@example.com'))?.ownerId, alice.id);
      assert.equal(await store.releaseAddress('FREE@example.com', alice.id), true);
      assert.equal(await store.getAddress('free@example.com'), null);
      assert.equal(await store.releaseAddress('free@example.com', alice.id), false, 'already released');
      assert.equal(await store.claimAddress(makePrivateAddress('free@example.com', bob.id)), 'claimed');
    });

    // ---- custom domains ----

    it('lets the first claim of a domain win: claimed, already-yours, owned-by-another', async () => {
      const alice = await createAccount();
      const bob = await createAccount();
      const claimed = makeCustomDomain('Mail.Example.COM', alice.id);

      assert.equal(await store.claimDomain(claimed), 'claimed');
      assert.equal(await store.claimDomain(makeCustomDomain('mail.example.com', alice.id)), 'already-yours');
      assert.equal(await store.claimDomain(makeCustomDomain('MAIL.example.com', bob.id)), 'owned-by-another');

      const stored = await store.getDomain('mail.EXAMPLE.com');
      assert.deepEqual(stored, { ...claimed, domain: 'mail.example.com' });
      assert.ok(stored?.created instanceof Date && stored.updated instanceof Date);
      assert.equal(await store.getDomain('nobody.example'), null);
    });

    it('gives a contested domain to exactly one of two accounts claiming it 20 times at once', async () => {
      const alice = await createAccount();
      const bob = await createAccount();
      const claimants = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? bob : alice));

      const results = await Promise.all(
        claimants.map((account) => store.claimDomain(makeCustomDomain('race.example', account.id))),
      );

      assert.equal(results.filter((result) => result === 'claimed').length, 1, JSON.stringify(results));
      const winner = claimants[results.indexOf('claimed')];
      assert.equal((await store.getDomain('race.example'))?.ownerId, winner.id);
      results.forEach((result, i) => {
        if (result === 'claimed') return;
        assert.equal(result, claimants[i] === winner ? 'already-yours' : 'owned-by-another', `claim ${i}`);
      });
    });

    it('refuses a claim of a free domain by an account that does not exist', async () => {
      await assert.rejects(store.claimDomain(makeCustomDomain('ghost.example', 'acct_nobody')), AccountNotFoundError);
      assert.equal(await store.getDomain('ghost.example'), null);
    });

    it('lists an account’s domains in order, and releases one only for its owner', async () => {
      const alice = await createAccount();
      const bob = await createAccount();
      for (const domain of ['b.example', 'a.example']) await store.claimDomain(makeCustomDomain(domain, alice.id));
      await store.claimDomain(makeCustomDomain('bob.example', bob.id));

      assert.deepEqual((await store.listDomains(alice.id)).map((domain) => domain.domain), ['a.example', 'b.example']);
      assert.equal(await store.releaseDomain('a.example', bob.id), false);
      assert.equal((await store.getDomain('a.example'))?.ownerId, alice.id);
      assert.equal(await store.releaseDomain('A.EXAMPLE', alice.id), true);
      assert.equal(await store.releaseDomain('a.example', alice.id), false, 'already released');
      assert.deepEqual((await store.listDomains(alice.id)).map((domain) => domain.domain), ['b.example']);
      assert.deepEqual((await store.listDomains(bob.id)).map((domain) => domain.domain), ['bob.example']);
      assert.equal(await store.claimDomain(makeCustomDomain('a.example', bob.id)), 'claimed');
    });

    it('keeps addresses and domains apart: the same text may be both', async () => {
      const alice = await createAccount();
      const bob = await createAccount();
      assert.equal(await store.claimDomain(makeCustomDomain('same.example', alice.id)), 'claimed');
      assert.equal(await store.claimAddress(makePrivateAddress('same.example', bob.id)), 'claimed');
    });

    // ---- usage ----

    it('adds operations up per month, apart per account and per month', async () => {
      const alice = await createAccount();
      const bob = await createAccount();
      assert.equal(await store.getOperations(alice.id, '2024-05'), 0);

      await store.addOperations(alice.id, '2024-05', 1);
      await store.addOperations(alice.id, '2024-05', 2);
      await store.addOperations(alice.id, '2024-06', 10);
      await store.addOperations(bob.id, '2024-05', 100);
      await store.addOperations(alice.id, '2024-05', 0);

      assert.equal(await store.getOperations(alice.id, '2024-05'), 3);
      assert.equal(await store.getOperations(alice.id, '2024-06'), 10);
      assert.equal(await store.getOperations(alice.id, '2024-07'), 0);
      assert.equal(await store.getOperations(bob.id, '2024-05'), 100);
      assert.equal(await store.getOperations(bob.id, '2024-06'), 0);
    });

    it('loses none of 20 concurrent additions to one counter', async (t) => {
      if (harness.nonAtomicUpdates) t.todo(harness.nonAtomicUpdates);
      const account = await createAccount();
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.addOperations(account.id, '2025-01', i + 1)));
      assert.equal(await store.getOperations(account.id, '2025-01'), 210);
    });

    it('drops operations counted for an unknown account, and refuses a malformed month or count', async () => {
      await store.addOperations('acct_nobody', '2024-05', 5);
      assert.equal(await store.getOperations('acct_nobody', '2024-05'), 0);

      const account = await createAccount();
      for (const month of ['2024-5', '2024-13', '2024-00', '24-05', '2024-05-01', '']) {
        await assert.rejects(store.addOperations(account.id, month, 1), /YYYY-MM/, month);
      }
      await assert.rejects(store.getOperations(account.id, '2024/05'), /YYYY-MM/);
      for (const count of [-1, 1.5, Number.NaN]) {
        await assert.rejects(store.addOperations(account.id, '2024-05', count), /whole number/, String(count));
      }
      assert.equal(await store.getOperations(account.id, '2024-05'), 0);
    });

    // ---- webhooks ----

    it('stores webhooks per address, domain and account, and lists for an inbox only its owner’s that hear it', async () => {
      const alice = await createAccount();
      const bob = await createAccount();
      const webhook = (id: string, ownerId: string, kind: StoredWebhook['kind'], target: string, created: number): StoredWebhook => ({
        id, ownerId, kind, target, url: `http://127.0.0.1:9/${id}`, secret: `whsec_${id}`, created: new Date(created),
      });
      const onAddress = webhook('wh_a', alice.id, 'address', 'Box@Alice.Example', 1_000);
      const onDomain = webhook('wh_d', alice.id, 'domain', 'alice.example', 2_000);
      const accountWide = webhook('wh_w', alice.id, 'account', '', 3_000);
      const onOther = webhook('wh_o', alice.id, 'address', 'other@alice.example', 4_000);
      const bobs = webhook('wh_b', bob.id, 'account', '', 500);
      for (const each of [onAddress, onDomain, accountWide, onOther, bobs]) await store.addWebhook(each);

      const lowered = { ...onAddress, target: 'box@alice.example' };
      assert.deepEqual(await store.getWebhook('wh_a'), lowered, 'every field back, the target lower-cased');
      assert.deepEqual(await store.listWebhooks(alice.id), [lowered, onDomain, accountWide, onOther], 'oldest first, only the owner’s');
      assert.deepEqual((await store.listWebhooksFor(alice.id, 'box@alice.example', 'alice.example')).map((w) => w.id), ['wh_a', 'wh_d', 'wh_w']);
      assert.deepEqual((await store.listWebhooksFor(alice.id, 'x@elsewhere.example', 'elsewhere.example')).map((w) => w.id), ['wh_w']);
      assert.deepEqual((await store.listWebhooksFor(bob.id, 'box@alice.example', 'alice.example')).map((w) => w.id), ['wh_b']);

      await assert.rejects(store.addWebhook({ ...bobs, ownerId: alice.id }), AccountConflictError, 'ids are unique');
      await assert.rejects(store.addWebhook(webhook('wh_x', 'acct_nobody', 'account', '', 1)), AccountNotFoundError);
      assert.equal(await store.deleteWebhook('wh_a', bob.id), false, 'only the owner deletes');
      assert.equal(await store.deleteWebhook('wh_a', alice.id), true);
      assert.equal(await store.getWebhook('wh_a'), null);
      assert.equal(await store.deleteAccount(alice.id), true);
      assert.deepEqual(await store.listWebhooks(alice.id), [], 'they go with their account');
      assert.equal(await store.getWebhook('wh_d'), null);
      assert.deepEqual(await store.getWebhook('wh_b'), bobs);
    });

    // ---- lifecycle ----

    it('rejects every call with StoreUnavailableError once closed', async () => {
      const account = await createAccount();
      await store.close();
      await store.close(); // idempotent
      await assert.rejects(store.getAccount(account.id), StoreUnavailableError);
      await assert.rejects(store.createAccount(makeStoredAccount()), StoreUnavailableError);
      await assert.rejects(store.claimAddress(makePrivateAddress('x@example.com', account.id)), StoreUnavailableError);
      await assert.rejects(store.addOperations(account.id, '2024-05', 1), StoreUnavailableError);
    });

    it('keeps everything across close and reopen', async () => {
      const alice = await createAccount({ username: 'Alice' });
      const bob = await createAccount();
      const key = await addKey(alice.id);
      const revoked = await addKey(alice.id);
      await store.revokeApiKey(alice.id, revoked.id);
      await store.claimAddress(makePrivateAddress('alice@example.com', alice.id, { info: 'kept' }));
      await store.claimDomain(makeCustomDomain('alice.example', alice.id));
      await store.addOperations(alice.id, '2024-05', 42);
      const patched = await store.updateAccount(alice.id, { capturePrivate: true });
      await store.deleteAccount(bob.id);

      await store.close();
      store = await harness.reopen();
      await store.open();

      assert.deepEqual(await store.listAccounts(), [patched]);
      assert.deepEqual(await store.findAccountByUsername('alice'), patched);
      assert.deepEqual(await store.findApiKeyByHash(key.keyHash), key);
      assert.equal(await store.findApiKeyByHash(revoked.keyHash), null);
      const address = makePrivateAddress('alice@example.com', alice.id, { info: 'kept' });
      assert.deepEqual(await store.getAddress('alice@example.com'), address);
      assert.deepEqual(await store.getDomain('alice.example'), makeCustomDomain('alice.example', alice.id));
      assert.equal(await store.getOperations(alice.id, '2024-05'), 42);
      assert.equal(await store.getAccount(bob.id), null);

      // Constraints still hold after reopening.
      await assert.rejects(store.createAccount(makeStoredAccount({ username: 'ALICE' })), AccountConflictError);
      assert.equal(await store.claimAddress(makePrivateAddress('alice@example.com', alice.id)), 'already-yours');
    });
  });
}
