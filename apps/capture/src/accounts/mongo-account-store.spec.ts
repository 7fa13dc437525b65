// The MongoDB account store against a real MongoDB-wire server (see store/mongo-test-server.ts): the shared
// contract, then what only this adapter has (declared indexes, the database from the URI, faults) and the
// proof that API keys cannot be read back from the database. Each test gets a database of its own.
import assert from 'node:assert/strict';
import { afterEach, before, beforeEach, describe, it } from 'node:test';
import { MongoClient, type Db } from 'mongodb';
// The account store opens its database through the store module's shared Mongo connection.
import { StoreUnavailableError, databaseNameOf as accountDatabaseNameOf } from '../store';
import { eventually, useMongoTestServer } from '../store/testing';
import {
  describeAccountStoreContract,
  makeCustomDomain,
  makePrivateAddress,
  makeStoredAccount,
  makeStoredApiKey,
} from './account-store.contract';
import {
  ACCOUNT_COLLECTIONS,
  ACCOUNT_INDEXES,
  MongoAccountStore,
  accountClientOptions,
} from './mongo-account-store';

describe('MongoAccountStore on a MongoDB-wire server', () => {
  const mongo = useMongoTestServer('capturebox_accounts_test');
  /** FerretDB v1 runs an update as find, change in Go, replace by _id: concurrent $inc can lose counts. */
  let nonAtomicUpdates: string | undefined;

  before(async () => {
    const buildInfo = await mongo.admin.db('admin').command({ buildInfo: 1 });
    if (buildInfo.ferretdbVersion !== undefined) {
      nonAtomicUpdates = `FerretDB ${buildInfo.ferretdbVersion} applies $inc without isolation; exact on MongoDB`;
    }
  });

  describeAccountStoreContract('MongoAccountStore', async () => {
    const database = mongo.freshDatabaseName();
    const uri = mongo.server.uri(database);
    return {
      store: new MongoAccountStore({ uri }),
      reopen: async () => new MongoAccountStore({ uri }),
      cleanup: async () => {
        await mongo.admin.db(database).dropDatabase();
      },
      nonAtomicUpdates,
    };
  });

  describe('MongoAccountStore', () => {
    let database: string;
    let db: Db;
    let store: MongoAccountStore;

    beforeEach(async () => {
      database = mongo.freshDatabaseName();
      db = mongo.admin.db(database);
      store = new MongoAccountStore({ uri: mongo.server.uri(database) });
      await store.open();
    });

    afterEach(async () => {
      await store.close();
      await db.dropDatabase();
    });

    it('declares its indexes on the server, and opening again leaves them as they are', async () => {
      const again = new MongoAccountStore({ uri: mongo.server.uri(database) });
      await again.open(); // every index exists already: one createIndexes per index keeps FerretDB v1 alive
      await again.close();
      for (const index of ACCOUNT_INDEXES) {
        const declared = await db.collection(index.collection).listIndexes().toArray();
        const found = declared.find((candidate) => candidate.name === index.name);
        assert.ok(found, `index ${index.name} on ${index.collection}`);
        assert.deepEqual(found.key, index.key);
        assert.equal(found.unique === true, index.unique === true, `uniqueness of ${index.name}`);
      }
    });

    it('keeps natural keys in _id and usernames lower-cased beside the name as given', async () => {
      const account = makeStoredAccount({ username: 'Mixed.Case' });
      await store.createAccount(account);
      await store.claimAddress(makePrivateAddress('Who@Example.com', account.id));
      await store.claimDomain(makeCustomDomain('Example.ORG', account.id));
      await store.addOperations(account.id, '2024-05', 2);

      const stored = await db.collection(ACCOUNT_COLLECTIONS.accounts).findOne({ _id: account.id as never });
      assert.equal(stored?.username, 'Mixed.Case');
      assert.equal(stored?.usernameLower, 'mixed.case');
      assert.ok(await db.collection(ACCOUNT_COLLECTIONS.privateAddresses).findOne({ _id: 'who@example.com' as never }));
      assert.ok(await db.collection(ACCOUNT_COLLECTIONS.customDomains).findOne({ _id: 'example.org' as never }));
      const usage = await db.collection(ACCOUNT_COLLECTIONS.accountUsage).find().toArray();
      assert.deepEqual(usage, [{ _id: `${account.id}|2024-05`, accountId: account.id, month: '2024-05', operations: 2 }]);
    });

    it('sweeps what an earlier, interrupted delete left behind', async () => {
      const account = makeStoredAccount();
      await store.createAccount(account);
      const { key } = makeStoredApiKey(account.id);
      await store.addApiKey(key);
      await store.claimAddress(makePrivateAddress('left@example.com', account.id));
      // As if deleteAccount had stopped right after deleting the account document.
      await db.collection(ACCOUNT_COLLECTIONS.accounts).deleteOne({ _id: account.id as never });

      assert.equal(await store.deleteAccount(account.id), false, 'the account itself was gone already');
      assert.equal(await store.findApiKeyByHash(key.keyHash), null);
      assert.equal(await store.getAddress('left@example.com'), null);
    });

    it('fails with StoreUnavailableError while the server is down, and recovers when it is back', async (t) => {
      if (mongo.server.kind !== 'ferretdb') {
        t.skip('needs a server this test may stop');
        return;
      }
      const account = makeStoredAccount();
      await store.createAccount(account);
      await mongo.server.stop();
      try {
        await assert.rejects(store.getAccount(account.id), StoreUnavailableError);
        await assert.rejects(store.claimAddress(makePrivateAddress('down@example.com', account.id)), StoreUnavailableError);
      } finally {
        await mongo.server.restart();
      }
      await eventually(async () => assert.deepEqual(await store.getAccount(account.id), account), 15_000);
      // The admin client reconnects on its own too (afterEach drops the database through it).
      await eventually(async () => void (await mongo.admin.db(database).command({ ping: 1 })), 15_000);
    });

    it('stores no API key in the clear: the database holds its SHA-256 only', async () => {
      const account = makeStoredAccount();
      await store.createAccount(account);
      const { key, clearKey } = makeStoredApiKey(account.id, { label: 'deploy' });
      await store.addApiKey(key);
      // Everything else an account has, so the scan covers every collection with documents in it.
      await store.claimAddress(makePrivateAddress('keys@example.com', account.id, { info: 'info' }));
      await store.claimDomain(makeCustomDomain('keys.example', account.id));
      await store.addOperations(account.id, '2024-05', 1);
      await store.addWebhook({ id: 'wh_keys', ownerId: account.id, kind: 'account', target: '', url: 'http://127.0.0.1:9/', secret: 'whsec_x', created: new Date() });
      await store.close();

      const reader = new MongoClient(mongo.server.uri(database), { serverSelectionTimeoutMS: 5000 });
      try {
        await reader.connect();
        const readerDb = reader.db(database);
        const names = (await readerDb.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
        assert.deepEqual(names, Object.values(ACCOUNT_COLLECTIONS).sort());
        const dump: Record<string, unknown[]> = {};
        for (const name of names) {
          dump[name] = await readerDb.collection(name).find().toArray();
          assert.ok(dump[name].length > 0, `${name} has documents to scan`);
          // Index definitions too: nothing of the key may hide in a name or a key pattern.
          dump[`${name}.indexes`] = await readerDb.collection(name).listIndexes().toArray();
        }
        const everything = JSON.stringify(dump);
        assert.ok(!everything.includes(clearKey), 'the clear key is not stored');
        assert.ok(!everything.includes(clearKey.slice(4, 24)), 'nor any recognisable part of it');
        assert.ok(everything.includes(key.keyHash), 'its SHA-256 is');
      } finally {
        await reader.close();
      }
    });
  });
});

describe('MongoAccountStore configuration', () => {
  it('takes the database from the URI path, defaulting to capturebox (the mail store’s database)', () => {
    assert.equal(accountDatabaseNameOf('mongodb://db.example.net:27017'), 'capturebox');
    assert.equal(accountDatabaseNameOf('mongodb://db.example.net/?replicaSet=rs0'), 'capturebox');
    assert.equal(accountDatabaseNameOf('mongodb://u:p%40ss@h1:27017,h2:27017/mail?replicaSet=rs0'), 'mail');
    assert.equal(accountDatabaseNameOf('mongodb+srv://cluster.example.net/capture%2Dbox?tls=true'), 'capture-box');
  });

  it('asks for majority, journaled acknowledgement and fails fast when no server answers', () => {
    const options = accountClientOptions({ uri: 'mongodb://localhost' });
    assert.deepEqual(options.writeConcern, { w: 'majority', journal: true, wtimeoutMS: 10_000 });
    assert.equal(options.serverSelectionTimeoutMS, 2000);
    const quick = accountClientOptions({ uri: 'mongodb://localhost', serverSelectionTimeoutMS: 300 });
    assert.equal(quick.serverSelectionTimeoutMS, 300);
  });

  it('rejects with StoreUnavailableError when no server answers', async () => {
    // Port 9 (discard) on loopback: nothing listens, so the connection is refused at once.
    const store = new MongoAccountStore({ uri: 'mongodb://127.0.0.1:9/x', serverSelectionTimeoutMS: 300 });
    await assert.rejects(store.open(), StoreUnavailableError);
    await assert.rejects(store.getAccount('x'), StoreUnavailableError);
  });
});
