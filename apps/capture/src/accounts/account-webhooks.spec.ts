// Which webhooks hear a captured copy, on a real account store: only its owner's, and starred mail in an
// inbox its account does not own only through that account's account-wide webhooks.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { StoredMessage } from '../domain';
import { makeCapturedMail, makeCopies, makeNestedStoreFile } from '../store/testing';
import { AccountWebhooks } from './account-webhooks.service';
import { AccountsService } from './accounts.service';
import { SqliteAccountStore } from './sqlite-account-store';

describe('AccountWebhooks.hearing', () => {
  let store: SqliteAccountStore;
  let cleanup: () => Promise<void>;
  let accounts: AccountsService;
  let webhooks: AccountWebhooks;
  let alice: string;
  let bob: string;
  const hooks: Record<string, string> = {};

  beforeEach(async () => {
    const file = makeNestedStoreFile('capturebox-hearing-', 'accounts.sqlite');
    cleanup = file.cleanup;
    store = new SqliteAccountStore({ file: file.file });
    await store.open();
    accounts = new AccountsService(store, { keyHash: '0'.repeat(64), generatedKey: null }, 'admin');
    webhooks = new AccountWebhooks(store, accounts);
    alice = (await accounts.createAccount('alice')).account.id;
    bob = (await accounts.createAccount('bob')).account.id;
    await accounts.claimDomain(alice, 'alice.test');
    await accounts.claimAddress(alice, 'ci@shared.test');
    const url = 'https://hooks.example/in';
    hooks.domain = (await webhooks.create(alice, { kind: 'domain', target: 'alice.test', url })).id;
    hooks.address = (await webhooks.create(alice, { kind: 'address', target: 'ci@shared.test', url })).id;
    hooks.aliceAccount = (await webhooks.create(alice, { kind: 'account', url })).id;
    hooks.bobAccount = (await webhooks.create(bob, { kind: 'account', url })).id;
  });
  afterEach(async () => {
    await store.close();
    await cleanup();
  });

  async function heard(inbox: string, savedBy: string | null = null): Promise<string[]> {
    const mail = makeCapturedMail();
    const [copy] = makeCopies(mail, [inbox], { savedBy }) as [StoredMessage];
    const owners = await accounts.ownersOfInboxes([copy.inbox]);
    return (await webhooks.hearing(copy, owners)).map((webhook) => webhook.id).sort();
  }

  it("reaches the owner's domain, address and account-wide webhooks, and no one else's", async () => {
    assert.deepEqual(await heard('qa@alice.test'), [hooks.domain, hooks.aliceAccount].sort());
    assert.deepEqual(await heard('ci@shared.test'), [hooks.address, hooks.aliceAccount].sort());
  });

  it('public mail reaches no webhook', async () => {
    assert.deepEqual(await heard('someone@public.test'), []);
  });

  it("starred mail reaches its starrer's account-wide webhook only, wherever it is", async () => {
    assert.deepEqual(await heard('someone@public.test', bob), [hooks.bobAccount]);
    assert.deepEqual(await heard('qa@alice.test', bob), [hooks.bobAccount]);
    assert.deepEqual(await heard('qa@alice.test', alice), [hooks.domain, hooks.aliceAccount].sort());
  });

  it('an address webhook left from an address its account released hears nothing there, starred or not', async () => {
    await accounts.claimAddress(bob, 'old@shared.test');
    await webhooks.create(bob, { kind: 'address', target: 'old@shared.test', url: 'https://hooks.example/old' });
    await accounts.releaseAddress(bob, 'old@shared.test');
    assert.deepEqual(await heard('old@shared.test'), []);
    assert.deepEqual(await heard('old@shared.test', bob), [hooks.bobAccount]);
  });
});
