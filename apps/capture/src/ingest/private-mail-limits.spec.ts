// The message limit on real stores (SQLite message and account stores): exact near the limit, and an account
// far from it is not recounted for every capture (counting reads all of its mail's index entries).
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { AccountsService } from '../accounts';
import { SqliteAccountStore } from '../accounts/sqlite-account-store';
import { SqliteMessageStore, type MessageStore } from '../store';
import { makeCapturedMail, makeCopies, makeNestedStoreFile } from '../store/testing';
import { COUNT_FRESH_MS, MessageLimitReached, PrivateMailLimits } from './private-mail-limits';

describe('PrivateMailLimits', () => {
  let messages: SqliteMessageStore;
  let accountStore: SqliteAccountStore;
  let cleanup: () => Promise<void>;
  let accounts: AccountsService;
  let counts: number;
  let limits: PrivateMailLimits;

  beforeEach(async () => {
    const file = makeNestedStoreFile('capturebox-limits-', 'capture.db');
    cleanup = file.cleanup;
    messages = new SqliteMessageStore({ file: file.file });
    await messages.open();
    accountStore = new SqliteAccountStore({ file: `${file.file}.accounts` });
    await accountStore.open();
    accounts = new AccountsService(accountStore, { keyHash: '0'.repeat(64), generatedKey: null }, 'admin');
    // Counts the limit's reads of usage while passing them to the real store.
    counts = 0;
    const counting: MessageStore = Object.create(messages, {
      usage: { value: (scope: Parameters<MessageStore['usage']>[0]) => (counts++, messages.usage(scope)) },
    });
    limits = new PrivateMailLimits(accounts, counting);
  });
  afterEach(async () => {
    await messages.close();
    await accountStore.close();
    await cleanup();
  });

  async function teamWithLimit(messageLimit: number): Promise<string> {
    const { account } = await accounts.createAccount('team', { messageLimit });
    await accounts.claimDomain(account.id, 'team.test');
    return account.id;
  }

  /** One capture as CaptureService does it: the check, then the save. */
  async function capture(to: string): Promise<void> {
    const mail = makeCapturedMail({ to: [{ address: to, name: '' }] });
    const copies = makeCopies(mail, [to]);
    await limits.assertRoomFor(copies, await accounts.ownersOfInboxes(copies.map((copy) => copy.inbox)));
    await messages.saveCaptured(mail, copies);
  }

  it('counts an account far from its limit once for many captures, not once per capture', async () => {
    await teamWithLimit(10_000);
    for (let i = 0; i < 50; i++) await capture(`user${i % 5}@team.test`);
    assert.equal(counts, 1);
    assert.equal((await messages.usage({ accountId: 'none', inboxes: [], domains: ['team.test'] })).private, 50);
  });

  it('counts every capture near the limit, so the limit holds exactly and a delete makes room at once', async () => {
    await teamWithLimit(5);
    for (let i = 0; i < 5; i++) await capture('ci@team.test');
    await assert.rejects(capture('ci@team.test'), MessageLimitReached);
    const [one] = await messages.listInbox('ci@team.test', { limit: 1 });
    assert.ok(one && (await messages.deleteMessage('ci@team.test', one.id)));
    await capture('ci@team.test');
    await assert.rejects(capture('ci@team.test'), MessageLimitReached);
    assert.equal(counts, 8, 'one count per capture');
  });

  it('counts again when the account gains a domain, whose mail counts at once', async () => {
    const team = await teamWithLimit(1_000);
    await capture('ci@team.test');
    const old = makeCapturedMail();
    await messages.saveCaptured(old, makeCopies(old, Array.from({ length: 999 }, (_, i) => `qa${i}@more.test`)));
    await accounts.claimDomain(team, 'more.test');
    await assert.rejects(capture('ci@team.test'), MessageLimitReached);
  });

  it('counts again once its count is older than COUNT_FRESH_MS', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    await teamWithLimit(10_000);
    await capture('ci@team.test');
    t.mock.timers.tick(COUNT_FRESH_MS - 1);
    await capture('ci@team.test');
    assert.equal(counts, 1);
    t.mock.timers.tick(1);
    await capture('ci@team.test');
    assert.equal(counts, 2);
  });
});
