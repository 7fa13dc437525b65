// The storage contract: the behaviour every MessageStore adapter must show, written once and run against
// each adapter from its own spec file (`describeMessageStoreContract('sqlite', ...)`).
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { CapturedMail, StoredMessage } from '../domain';
import { StoreUnavailableError, type ListInboxQuery, type MessagePatch, type MessageStore } from './message-store';
import { matchesFilter, type MessageFilter, type MessageSearch } from './message-search';
import { makeAttachment, makeCapturedMail, makeCopies } from './test-fixtures';

/** What an adapter's spec hands the contract for each test: a fresh, empty, not yet opened store. */
export interface MessageStoreHarness {
  /** Not opened yet: the contract calls open() and close() itself. close() must be idempotent. */
  store: MessageStore;
  /**
   * Optional: a new store instance over the same backing data (same file, same database), not opened yet.
   * The contract closes the current store first. Without it the durability test is skipped.
   */
  reopen?: () => Promise<MessageStore>;
  /** Removes the backing data; called after the current store is closed. */
  cleanup: () => Promise<void>;
  /**
   * Optional: counts what the backing storage keeps beside message metadata, so the contract can prove
   * that deletes and prunes leave nothing behind. Without it those assertions are skipped.
   */
  countStored?: () => Promise<StoredLeftovers>;
  /**
   * Optional: lets any grace period pass during which the adapter keeps an unreferenced attachment that a
   * save used recently (MongoDB's), as if that long had gone by. Adapters without one leave it out.
   */
  elapseBlobGrace?: () => Promise<void>;
}

export interface StoredLeftovers {
  /** Raw sources (one per stored transaction). */
  rawSources: number;
  /** Attachment contents (one per md5). */
  attachmentContents: number;
}

const MINUTE = 60_000;
const BASE_TIME = Date.parse('2024-05-06T07:08:09.123Z');

function at(minutes: number): Date {
  return new Date(BASE_TIME + minutes * MINUTE);
}

function ids(messages: StoredMessage[]): string[] {
  return messages.map((message) => message.id);
}

export function describeMessageStoreContract(name: string, makeStore: () => Promise<MessageStoreHarness>): void {
  void describe(`MessageStore contract: ${name}`, () => {
    let harness: MessageStoreHarness;
    let store: MessageStore;

    beforeEach(async () => {
      harness = await makeStore();
      store = harness.store;
      await store.open();
    });

    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    /** Asserts what the backing storage holds, when the harness can tell. */
    async function assertStored(expected: StoredLeftovers, message: string): Promise<void> {
      if (harness.countStored) assert.deepEqual(await harness.countStored(), expected, message);
    }

    /** Saves a mail with one copy per recipient and returns the copies. */
    async function save(mail: CapturedMail, recipients?: string[], overrides?: Partial<StoredMessage>) {
      const copies = makeCopies(mail, recipients, overrides);
      await store.saveCaptured(mail, copies);
      return copies;
    }

    it('answers ping while open, and rejects with StoreUnavailableError once closed', async () => {
      await store.ping();
      await store.close();
      await assert.rejects(store.ping(), StoreUnavailableError);
      const mail = makeCapturedMail();
      await assert.rejects(store.saveCaptured(mail, makeCopies(mail)), StoreUnavailableError);
    });

    it('round-trips every field of a stored message: dates, address lists, attachments, labels', async () => {
      const mail = makeCapturedMail({
        received: at(0),
        subject: 'Grüße ✓ — 日本語',
        to: [{ address: 'Alice@Example.com', name: 'Alice "Al" Example' }],
        cc: [{ address: 'carol@example.org', name: '' }],
        links: ['https://example.com/a', 'https://example.com/b?x=1&y=2'],
        attachments: [
          makeAttachment(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]), {
            filename: null,
            contentType: 'image/png',
            contentId: 'logo@example.com',
            disposition: 'inline',
          }),
          makeAttachment('report', { filename: 'report.csv', contentType: 'text/csv' }),
        ],
      });
      const [alice, bob] = makeCopies(mail, ['Alice@Example.com', 'bob@example.net']);
      const starred: StoredMessage = {
        ...bob,
        labels: ['work', 'ünïcode'],
        savedBy: 'account-1',
        read: true,
        spamVerdict: { score: 7.5, required: 5, rules: ['GTUBE', 'NO_RELAYS'] },
        folder: 'all',
        rtls: false,
      };
      await store.saveCaptured(mail, [alice, starred]);

      for (const expected of [alice, starred]) {
        const actual = await store.getMessage(expected.inbox, expected.id);
        assert.deepEqual(actual, expected);
        assert.ok(actual?.received instanceof Date, 'received comes back as a Date');
      }
      assert.equal(alice.inbox, 'alice@example.com', 'fixture sanity: inbox is lower-cased');
      assert.equal((await store.getMessage('alice@example.com', alice.id))?.originalInbox, 'Alice@Example.com');
    });

    it('stores one copy per recipient, each in its own inbox with its own id', async () => {
      const mail = makeCapturedMail();
      const copies = await save(mail, ['a@example.com', 'b@example.com', 'c@example.org']);

      assert.equal(new Set(ids(copies)).size, 3);
      for (const copy of copies) {
        assert.deepEqual(ids(await store.listInbox(copy.inbox, { limit: 10 })), [copy.id]);
        assert.equal(await store.countInbox(copy.inbox), 1);
        assert.deepEqual(await store.getRaw(copy.inbox, copy.id), mail.raw);
      }
    });


    it("records a spam verdict on every copy of a transaction, and on no other transaction's", async () => {
      const mail = makeCapturedMail();
      const copies = await save(mail, ['a@example.com', 'b@example.com']);
      const [other] = await save(makeCapturedMail(), ['a@example.com']);
      assert.equal((await store.getMessage(copies[0].inbox, copies[0].id))?.spamVerdict, null, 'not scored when saved');

      const verdict = { score: -0.4, required: 5, rules: ['NO_RELAYS', 'BAYES_00'] };
      assert.equal(await store.recordSpamVerdict(mail.queueId, verdict), 2);
      for (const copy of copies) {
        assert.deepEqual((await store.getMessage(copy.inbox, copy.id))?.spamVerdict, verdict);
        assert.deepEqual((await store.listInbox(copy.inbox, { limit: 10 })).find((m) => m.id === copy.id)?.spamVerdict, verdict);
      }
      assert.equal((await store.getMessage(other.inbox, other.id))?.spamVerdict, null);

      for (const copy of copies) await store.deleteMessage(copy.inbox, copy.id);
      assert.equal(await store.recordSpamVerdict(mail.queueId, verdict), 0, 'a deleted transaction takes no verdict');
    });
    it('lists an inbox newest first, honouring limit and an exclusive until', async () => {
      const byMinute = new Map<number, string>();
      for (const minute of [2, 0, 4, 1, 3]) {
        const [copy] = await save(makeCapturedMail({ received: at(minute) }), ['list@example.com']);
        byMinute.set(minute, copy.id);
      }
      const idsAt = (...minutes: number[]) => minutes.map((minute) => byMinute.get(minute));

      assert.deepEqual(ids(await store.listInbox('list@example.com', { limit: 10 })), idsAt(4, 3, 2, 1, 0));
      assert.deepEqual(ids(await store.listInbox('list@example.com', { limit: 2 })), idsAt(4, 3));
      assert.deepEqual(ids(await store.listInbox('list@example.com', { limit: 10, until: at(3) })), idsAt(2, 1, 0));
      assert.deepEqual(ids(await store.listInbox('list@example.com', { limit: 1, until: at(3) })), idsAt(2));
      assert.deepEqual(await store.listInbox('list@example.com', { limit: 10, until: at(0) }), []);
      assert.deepEqual(await store.listInbox('nobody@example.com', { limit: 10 }), []);
    });

    it('orders messages received in the same millisecond by id, descending', async () => {
      const saved: string[] = [];
      for (let i = 0; i < 5; i++) {
        const [copy] = await save(makeCapturedMail({ received: at(0) }), ['ties@example.com']);
        saved.push(copy.id);
      }
      const expected = [...saved].sort().reverse();
      assert.deepEqual(ids(await store.listInbox('ties@example.com', { limit: 10 })), expected);
      assert.deepEqual(ids(await store.listInbox('ties@example.com', { limit: 2 })), expected.slice(0, 2));
    });

    it('counts the messages of an inbox', async () => {
      assert.equal(await store.countInbox('count@example.com'), 0);
      const [first] = await save(makeCapturedMail(), ['count@example.com', 'other@example.com']);
      await save(makeCapturedMail(), ['count@example.com']);
      await save(makeCapturedMail(), ['count@example.com']);
      assert.equal(await store.countInbox('count@example.com'), 3);
      assert.equal(await store.countInbox('other@example.com'), 1);

      await store.deleteMessage('count@example.com', first.id);
      assert.equal(await store.countInbox('count@example.com'), 2);
      assert.equal(await store.countInbox('other@example.com'), 1);
    });

    it("hides other accounts' starred mail from a listing and count that ask, never shortening a page", async () => {
      const inbox = 'shared@example.com';
      const [older] = await save(makeCapturedMail({ received: at(1) }), [inbox]);
      const [mine] = await save(makeCapturedMail({ received: at(2) }), [inbox], { savedBy: 'account-1' });
      const [theirs] = await save(makeCapturedMail({ received: at(3) }), [inbox], { savedBy: 'account-2' });
      const [newer] = await save(makeCapturedMail({ received: at(4) }), [inbox]);
      const list = (query: Omit<ListInboxQuery, 'limit'>, limit = 10) => store.listInbox(inbox, { limit, ...query });

      assert.deepEqual(ids(await list({})), ids([newer, theirs, mine, older]), 'absent: everything');
      assert.equal(await store.countInbox(inbox), 4);
      assert.equal(await store.countInbox(inbox, {}), 4);

      assert.deepEqual(ids(await list({ starredVisibleTo: 'account-1' })), ids([newer, mine, older]));
      assert.equal(await store.countInbox(inbox, { starredVisibleTo: 'account-1' }), 3);
      assert.deepEqual(ids(await list({ starredVisibleTo: 'account-2' })), ids([newer, theirs, older]));
      assert.equal(await store.countInbox(inbox, { starredVisibleTo: 'account-2' }), 3);

      assert.deepEqual(ids(await list({ starredVisibleTo: null })), ids([newer, older]), 'null: public only');
      assert.equal(await store.countInbox(inbox, { starredVisibleTo: null }), 2);
      assert.deepEqual(ids(await list({ starredVisibleTo: undefined })), ids([newer, older]), 'present but undefined');
      assert.equal(await store.countInbox(inbox, { starredVisibleTo: undefined }), 2);
      assert.equal(await store.countInbox(inbox, { starredVisibleTo: 'account-3' }), 2);

      // Hidden messages take no place in a page: the limit counts only what is shown.
      assert.deepEqual(ids(await list({ starredVisibleTo: null }, 2)), ids([newer, older]));
      assert.deepEqual(ids(await list({ starredVisibleTo: 'account-1' }, 2)), ids([newer, mine]));
      assert.deepEqual(ids(await list({ starredVisibleTo: 'account-1', until: at(4) }, 1)), ids([mine]));
      assert.deepEqual(ids(await list({ starredVisibleTo: 'account-2', until: at(3) }, 1)), ids([older]));

      await store.updateMessage(inbox, theirs.id, { savedBy: null });
      assert.equal(await store.countInbox(inbox, { starredVisibleTo: null }), 3, 'un-starred: public again');
    });

    it("lists an account's starred messages across inboxes, newest first, with limit and until", async () => {
      const [starredAtSave] = await save(makeCapturedMail({ received: at(1) }), ['a@example.com'], {
        savedBy: 'account-1',
      });
      const [starredLater] = await save(makeCapturedMail({ received: at(2) }), ['b@example.com']);
      const [otherAccount] = await save(makeCapturedMail({ received: at(3) }), ['c@example.com'], {
        savedBy: 'account-2',
      });
      await save(makeCapturedMail({ received: at(4) }), ['a@example.com']); // public: never listed
      await store.updateMessage(starredLater.inbox, starredLater.id, { savedBy: 'account-1' });

      assert.deepEqual(ids(await store.listStarred('account-1', { limit: 10 })), [starredLater.id, starredAtSave.id]);
      assert.deepEqual(ids(await store.listStarred('account-1', { limit: 1 })), [starredLater.id]);
      assert.deepEqual(ids(await store.listStarred('account-1', { limit: 10, until: at(2) })), [starredAtSave.id]);
      assert.deepEqual(ids(await store.listStarred('account-2', { limit: 10 })), [otherAccount.id]);
      assert.deepEqual(await store.listStarred('account-3', { limit: 10 }), []);

      await store.updateMessage(starredLater.inbox, starredLater.id, { savedBy: null });
      assert.deepEqual(ids(await store.listStarred('account-1', { limit: 10 })), [starredAtSave.id]);
    });

    it('reads the body (text, HTML, headers) of a message in its own inbox only', async () => {
      const mail = makeCapturedMail();
      const [copy] = await save(mail, ['body@example.com']);
      assert.deepEqual(await store.getBody(copy.inbox, copy.id), {
        text: mail.text,
        html: mail.html,
        headers: mail.headers,
      });

      const bare = makeCapturedMail({ text: null, html: null, headers: [], parseError: 'unterminated multipart' });
      const [bareCopy] = await save(bare, ['body@example.com']);
      assert.deepEqual(await store.getBody(bareCopy.inbox, bareCopy.id), { text: null, html: null, headers: [] });

      assert.equal(await store.getBody(copy.inbox, `${copy.queueId}-9`), null);
      assert.equal(await store.getBody('someone-else@example.com', copy.id), null);
    });

    it('returns the raw source byte for byte, including bytes that are not UTF-8', async () => {
      const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const raw = Buffer.concat([Buffer.from('Subject: bytes\r\n\r\n'), everyByte, Buffer.from(everyByte).reverse()]);
      const mail = makeCapturedMail({ raw });
      const copies = await save(mail, ['raw1@example.com', 'raw2@example.com']);

      for (const copy of copies) {
        const stored = await store.getRaw(copy.inbox, copy.id);
        assert.ok(Buffer.isBuffer(stored), 'raw comes back as a Buffer');
        assert.ok(stored.equals(raw), 'raw is byte-identical');
      }
      assert.equal(await store.getRaw('raw1@example.com', copies[1].id), null, 'another inbox id is not readable');
      assert.equal(await store.getRaw('raw1@example.com', 'no-such-id'), null);
    });

    it('serves an attachment by md5 only through a message that carries it', async () => {
      const image = makeAttachment(Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f]), {
        filename: 'pixel.png',
        contentType: 'image/png',
      });
      const mail = makeCapturedMail({ attachments: [image] });
      const [copy] = await save(mail, ['files@example.com']);
      const other = makeCapturedMail({ attachments: [makeAttachment('somebody else’s file')] });
      const [otherCopy] = await save(other, ['elsewhere@example.com']);

      const attachment = await store.getAttachment(copy.inbox, copy.id, image.md5);
      assert.deepEqual(attachment, image);
      assert.ok(Buffer.isBuffer(attachment?.content), 'content comes back as a Buffer');

      assert.equal(await store.getAttachment(copy.inbox, copy.id, 'd41d8cd98f00b204e9800998ecf8427e'), null);
      assert.equal(await store.getAttachment('elsewhere@example.com', copy.id, image.md5), null, 'other inbox');
      assert.equal(await store.getAttachment(copy.inbox, 'no-such-id', image.md5), null, 'unknown message');
      const otherMd5 = other.attachments[0].md5;
      assert.equal(await store.getAttachment(copy.inbox, copy.id, otherMd5), null, 'md5 of another message');
      assert.deepEqual(await store.getAttachment(otherCopy.inbox, otherCopy.id, otherMd5), other.attachments[0]);
    });

    it('keeps a shared attachment readable after one of the messages that carry it is deleted', async () => {
      const shared = makeAttachment('the same logo in every mail', { filename: 'logo.txt' });
      const [first] = await save(makeCapturedMail({ attachments: [shared] }), ['first@example.com']);
      const [second] = await save(
        makeCapturedMail({ attachments: [{ ...shared, filename: 'renamed.txt' }] }),
        ['second@example.com'],
      );

      assert.deepEqual(await store.getAttachment(first.inbox, first.id, shared.md5), shared);
      assert.equal(await store.deleteMessage(first.inbox, first.id), true);
      assert.equal(await store.getAttachment(first.inbox, first.id, shared.md5), null);
      assert.deepEqual(await store.getAttachment(second.inbox, second.id, shared.md5), {
        ...shared,
        filename: 'renamed.txt',
      });
    });

    it('patches folder, read state, star and labels, and returns the updated message', async () => {
      const [copy] = await save(makeCapturedMail(), ['patch@example.com']);
      const update = (patch: MessagePatch) =>
        store.updateMessage(copy.inbox, copy.id, patch);

      let expected: StoredMessage = { ...copy, folder: 'trash', read: true };
      assert.deepEqual(await update({ folder: 'trash', read: true }), expected);
      assert.deepEqual(await store.getMessage(copy.inbox, copy.id), expected, 'the patch is stored');

      await update({ addLabel: 'x' });
      assert.deepEqual((await update({ addLabel: 'x' }))?.labels, ['x'], 'adding a label twice keeps one');
      assert.deepEqual((await update({ addLabel: 'y' }))?.labels, ['x', 'y']);
      assert.deepEqual((await update({ removeLabel: 'x' }))?.labels, ['y']);
      assert.deepEqual((await update({ removeLabel: 'absent' }))?.labels, ['y']);

      assert.equal((await update({ savedBy: 'account-1' }))?.savedBy, 'account-1');
      assert.equal((await update({ read: false }))?.savedBy, 'account-1', 'an absent field is left alone');
      expected = { ...expected, labels: ['y'], read: false, savedBy: null };
      assert.deepEqual(await update({ savedBy: null }), expected, 'null un-stars');
      assert.deepEqual(await update({}), expected);
      assert.deepEqual(await store.getMessage(copy.inbox, copy.id), expected);

      assert.equal(await store.updateMessage(copy.inbox, 'no-such-id', { read: true }), null);
      assert.equal(await store.updateMessage('intruder@example.com', copy.id, { folder: 'spam' }), null);
      assert.deepEqual(await store.getMessage(copy.inbox, copy.id), expected, 'a patch in another inbox changes nothing');
    });

    it('deletes one message, reporting whether it existed, and leaves its sibling copies whole', async () => {
      const mail = makeCapturedMail();
      const [gone, kept] = await save(mail, ['gone@example.com', 'kept@example.com']);

      assert.equal(await store.deleteMessage(kept.inbox, gone.id), false, 'not in that inbox');
      assert.equal(await store.deleteMessage(gone.inbox, gone.id), true);
      assert.equal(await store.deleteMessage(gone.inbox, gone.id), false);
      assert.equal(await store.getMessage(gone.inbox, gone.id), null);
      assert.equal(await store.getRaw(gone.inbox, gone.id), null);
      assert.equal(await store.deleteMessage(gone.inbox, 'no-such-id'), false);

      assert.deepEqual(await store.getMessage(kept.inbox, kept.id), kept);
      assert.deepEqual(await store.getRaw(kept.inbox, kept.id), mail.raw);
      assert.equal((await store.getBody(kept.inbox, kept.id))?.text, mail.text);
      assert.deepEqual(await store.getAttachment(kept.inbox, kept.id, mail.attachments[0].md5), mail.attachments[0]);

      assert.equal(await store.deleteMessage(kept.inbox, kept.id), true);
      assert.equal(await store.getRaw(kept.inbox, kept.id), null);
    });

    it('clears an inbox but keeps its starred messages, returning how many went', async () => {
      const inbox = 'clear@example.com';
      await save(makeCapturedMail({ received: at(1) }), [inbox]);
      await save(makeCapturedMail({ received: at(2) }), [inbox, 'neighbour@example.com']);
      await save(makeCapturedMail({ received: at(3) }), [inbox]);
      const starredMail = makeCapturedMail({ received: at(4) });
      const [starred] = await save(starredMail, [inbox], { savedBy: 'account-1' });

      assert.equal(await store.deleteInbox(inbox), 3);
      assert.deepEqual(ids(await store.listInbox(inbox, { limit: 10 })), [starred.id]);
      assert.equal(await store.countInbox(inbox), 1);
      assert.deepEqual(await store.getRaw(inbox, starred.id), starredMail.raw);
      assert.equal(await store.countInbox('neighbour@example.com'), 1, 'other inboxes are untouched');

      assert.equal(await store.deleteInbox(inbox), 0);
      assert.equal(await store.deleteInbox('never-used@example.com'), 0);
    });

    it('never shows one inbox’s messages through another inbox', async () => {
      const mail = makeCapturedMail();
      const [copy] = await save(mail, ['private@example.com']);
      const stranger = 'stranger@example.com';

      assert.deepEqual(await store.listInbox(stranger, { limit: 10 }), []);
      assert.equal(await store.countInbox(stranger), 0);
      assert.equal(await store.getMessage(stranger, copy.id), null);
      assert.equal(await store.getBody(stranger, copy.id), null);
      assert.equal(await store.getRaw(stranger, copy.id), null);
      assert.equal(await store.getAttachment(stranger, copy.id, mail.attachments[0].md5), null);
      assert.equal(await store.updateMessage(stranger, copy.id, { folder: 'trash' }), null);
      assert.equal(await store.deleteMessage(stranger, copy.id), false);
      assert.equal(await store.deleteInbox(stranger), 0);

      assert.deepEqual(await store.getMessage(copy.inbox, copy.id), copy);
    });

    it('lists a domain across its inboxes newest first, ties by id, paging with limit and until', async () => {
      const domain = 'a.test';
      const [first] = await save(makeCapturedMail({ received: at(1) }), ['x@a.test']);
      const [third] = await save(makeCapturedMail({ received: at(3) }), ['Mixed@A.Test']);
      const [second, elsewhere] = await save(makeCapturedMail({ received: at(2) }), ['y@a.test', 'y@other.test']);
      const tied: StoredMessage[] = [];
      for (const inbox of ['p@a.test', 'q@a.test', 'r@a.test']) {
        tied.push(...(await save(makeCapturedMail({ received: at(5) }), [inbox])));
      }
      // Not this domain: a subdomain, a domain that merely ends like it, an inbox named like it.
      await save(makeCapturedMail({ received: at(4) }), ['x@b.a.test', 'x@aa.test', 'a.test@example.com']);
      const expected = [...ids(tied).sort().reverse(), third.id, second.id, first.id];

      assert.equal(third.domain, domain, 'fixture sanity: the domain is lower-cased');
      assert.deepEqual(ids(await store.listDomain(domain, { limit: 10 })), expected);
      assert.equal(await store.countDomain(domain), 6);

      // Page by page, as a client follows `until`: every message once, in order (the tie fits in one page).
      const firstPage = await store.listDomain(domain, { limit: 4 });
      const until = firstPage[firstPage.length - 1].received;
      const secondPage = await store.listDomain(domain, { limit: 4, until });
      assert.deepEqual(ids(firstPage), expected.slice(0, 4));
      assert.deepEqual(ids(secondPage), expected.slice(4));
      assert.deepEqual(ids(await store.listDomain(domain, { limit: 10, until: at(3) })), [second.id, first.id]);
      assert.deepEqual(await store.listDomain(domain, { limit: 10, until: at(1) }), []);

      assert.equal(await store.countDomain('b.a.test'), 1);
      assert.equal(await store.countDomain('aa.test'), 1);
      assert.deepEqual(ids(await store.listDomain('other.test', { limit: 10 })), [elsewhere.id]);
      assert.equal(await store.countDomain('nobody.test'), 0);
      assert.deepEqual(await store.listDomain('nobody.test', { limit: 10 }), []);
    });

    it("hides other accounts' starred messages from a domain listing that asks it to", async () => {
      const [older] = await save(makeCapturedMail({ received: at(1) }), ['one@d.test']);
      const [mine] = await save(makeCapturedMail({ received: at(2) }), ['two@d.test'], { savedBy: 'account-1' });
      const [theirs] = await save(makeCapturedMail({ received: at(3) }), ['one@d.test'], { savedBy: 'account-2' });
      const [newer] = await save(makeCapturedMail({ received: at(4) }), ['three@d.test']);
      const list = (query: Omit<ListInboxQuery, 'limit'>, limit = 10) =>
        store.listDomain('d.test', { limit, ...query });

      assert.deepEqual(ids(await list({})), ids([newer, theirs, mine, older]));
      assert.deepEqual(ids(await list({ starredVisibleTo: 'account-1' })), ids([newer, mine, older]));
      assert.deepEqual(ids(await list({ starredVisibleTo: null })), ids([newer, older]));
      assert.deepEqual(ids(await list({ starredVisibleTo: 'account-2' }, 2)), ids([newer, theirs]));
      assert.deepEqual(ids(await list({ starredVisibleTo: 'account-2', until: at(3) }, 1)), ids([older]));
    });

    it('leaves the excluded inboxes out of a domain listing, count and delete, with full pages', async () => {
      const [kept1] = await save(makeCapturedMail({ received: at(1) }), ['kate@d.test']);
      const [mine1] = await save(makeCapturedMail({ received: at(2) }), ['me@d.test']);
      const [kept2] = await save(makeCapturedMail({ received: at(3) }), ['kate@d.test']);
      const [mine2] = await save(makeCapturedMail({ received: at(4) }), ['you@d.test']);
      const [kept3] = await save(makeCapturedMail({ received: at(5) }), ['kate@d.test']);
      const scope = { excludeInboxes: ['kate@d.test'] };

      assert.deepEqual(ids(await store.listDomain('d.test', { limit: 2, ...scope })), ids([mine2, mine1]), 'a full page');
      assert.deepEqual(ids(await store.listDomain('d.test', { limit: 2, excludeInboxes: [] })), ids([kept3, mine2]));
      assert.equal(await store.countDomain('d.test', scope), 2);
      assert.equal(await store.countDomain('d.test'), 5);
      assert.equal(await store.deleteDomainMail('d.test', scope), 2);
      assert.deepEqual(ids(await store.listDomain('d.test', { limit: 10 })), ids([kept3, kept2, kept1]));
    });

    it("clears a domain's mail in every inbox but keeps starred mail, other domains and shared sources", async () => {
      const bothHere = makeCapturedMail({ received: at(1) });
      const [one] = await save(bothHere, ['one@d.test', 'two@d.test']);
      const shared = makeCapturedMail({ received: at(2) });
      const [three, keptElsewhere] = await save(shared, ['three@d.test', 'keep@other.test']);
      const starredMail = makeCapturedMail({ received: at(3) });
      const [starred] = await save(starredMail, ['star@d.test'], { savedBy: 'account-1' });
      const [sub] = await save(makeCapturedMail({ received: at(4) }), ['sub@sub.d.test']);
      await assertStored({ rawSources: 4, attachmentContents: 1 }, 'before clearing');

      assert.equal(await store.deleteDomainMail('d.test'), 3);
      assert.deepEqual(ids(await store.listDomain('d.test', { limit: 10 })), [starred.id]);
      assert.equal(await store.countDomain('d.test'), 1);
      assert.equal(await store.getMessage(one.inbox, one.id), null);
      assert.equal(await store.getRaw(three.inbox, three.id), null);
      assert.deepEqual(await store.getRaw(starred.inbox, starred.id), starredMail.raw);
      assert.deepEqual(await store.getRaw(keptElsewhere.inbox, keptElsewhere.id), shared.raw, 'a sibling keeps it');
      assert.deepEqual(await store.getMessage(sub.inbox, sub.id), sub, 'a subdomain is another domain');
      await assertStored({ rawSources: 3, attachmentContents: 1 }, 'the source only the domain had went with it');

      assert.equal(await store.deleteDomainMail('d.test'), 0);
      assert.equal(await store.deleteDomainMail('never-used.test'), 0);
    });

    it("counts an account's usage: starred, stored and bytes, and private mail once where they overlap", async () => {
      const owner = 'account-1';
      const sized = (size: number, savedBy: string | null = null) => ({ size, savedBy });
      await save(makeCapturedMail(), ['mine@example.com'], sized(1)); // stored
      await save(makeCapturedMail(), ['x@own.test'], sized(10)); // stored through the domain
      await save(makeCapturedMail(), ['Mine@Example.com'], sized(100, owner)); // stored and starred
      await save(makeCapturedMail(), ['elsewhere@example.com'], sized(1000, owner)); // starred only
      await save(makeCapturedMail(), ['y@own.test'], sized(10_000, 'account-2')); // stored, another's star
      // Not the account's: other inboxes, a subdomain, a domain that merely ends like it, another's star.
      await save(makeCapturedMail(), ['mine2@example.com', 'z@sub.own.test', 'z@myown.test'], sized(100_000));
      await save(makeCapturedMail(), ['public@example.com'], sized(1_000_000, 'account-2'));

      const scope = { accountId: owner, inboxes: ['mine@example.com'], domains: ['own.test'] };
      assert.deepEqual(await store.usage(scope), { starred: 2, stored: 4, bytes: 10_111, private: 5 });
      assert.deepEqual(
        await store.usage({ ...scope, inboxes: ['mine@example.com', 'x@own.test'] }),
        { starred: 2, stored: 4, bytes: 10_111, private: 5 },
        'an inbox of an owned domain counts once',
      );
      assert.deepEqual(await store.usage({ ...scope, inboxes: [], domains: [] }), {
        starred: 2,
        stored: 0,
        bytes: 0,
        private: 2,
      });
      assert.deepEqual(await store.usage({ ...scope, domains: [] }), { starred: 2, stored: 2, bytes: 101, private: 3 });
      assert.deepEqual(await store.usage({ accountId: 'account-2', inboxes: [], domains: ['own.test'] }), {
        starred: 2,
        stored: 2,
        bytes: 10_010,
        private: 3,
      });
      const none = { starred: 0, stored: 0, bytes: 0, private: 0 };
      assert.deepEqual(await store.usage({ accountId: 'account-9', inboxes: [], domains: [] }), none);
      const strangers = { accountId: 'account-9', inboxes: ['nobody@example.com'], domains: ['no.test'] };
      assert.deepEqual(await store.usage(strangers), none);
    });

    /**
     * A search's ids, after checking that the in-memory rule (matchesFilter, which decides whether a capture
     * can wake a wait) picks the same messages out of `all`, and that countMatching agrees.
     */
    async function searched(search: MessageSearch, all: StoredMessage[]): Promise<string[]> {
      const found = ids(await store.searchMessages(search));
      const filter: MessageFilter = { ...search };
      const newestFirst = (a: StoredMessage, b: StoredMessage) => b.received.getTime() - a.received.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
      const matching = all.filter((message) => matchesFilter(message, filter)).sort(newestFirst);
      if (search.order === 'oldest') matching.reverse();
      const skip = search.skip ?? 0;
      assert.deepEqual(found, ids(matching.slice(skip, skip + search.limit)), 'matchesFilter picks what the store finds');
      assert.equal(await store.countMatching(filter), matching.length, 'countMatching agrees');
      return found;
    }

    it("searches an account's mail: private inboxes, domains but excluded inboxes, and its stars", async () => {
      const mine = await save(makeCapturedMail({ received: at(1), subject: 'mine' }), ['me@private.test']);
      const domain = await save(makeCapturedMail({ received: at(2), subject: 'domain' }), ['any@corp.test']);
      const reserved = await save(makeCapturedMail({ received: at(3), subject: 'reserved' }), ['held@corp.test']);
      const starred = await save(makeCapturedMail({ received: at(4), subject: 'starred' }), ['public@example.com'], { savedBy: 'acct' });
      const strangers = await save(makeCapturedMail({ received: at(5), subject: 'stranger' }), ['public@example.com', 'other@elsewhere.test']);
      const all = [...mine, ...domain, ...reserved, ...starred, ...strangers];
      const scope = { kind: 'account', accountId: 'acct', inboxes: ['me@private.test'], domains: ['corp.test'], excludeInboxes: ['held@corp.test'] } as const;

      assert.deepEqual(await searched({ scope, order: 'newest', limit: 10 }, all), [starred[0].id, domain[0].id, mine[0].id]);
      assert.deepEqual(await searched({ scope, order: 'oldest', limit: 2 }, all), [mine[0].id, domain[0].id]);
      assert.deepEqual(await searched({ scope, order: 'newest', limit: 2, skip: 1 }, all), [domain[0].id, mine[0].id]);
      assert.equal((await searched({ scope: { kind: 'everything' }, order: 'newest', limit: 10 }, all)).length, all.length);
      const corp = { kind: 'domain', domain: 'corp.test', excludeInboxes: ['held@corp.test'] } as const;
      assert.deepEqual(await searched({ scope: corp, order: 'oldest', limit: 10 }, all), [domain[0].id]);
      const some = { kind: 'inboxes', inboxes: ['me@private.test', 'public@example.com'] } as const;
      assert.deepEqual(await searched({ scope: some, order: 'oldest', limit: 10 }, all), [mine[0].id, starred[0].id, strangers[0].id]);
      const empty = { kind: 'account', accountId: 'nobody', inboxes: [], domains: [], excludeInboxes: [] } as const;
      assert.deepEqual(await searched({ scope: empty, order: 'newest', limit: 10 }, all), []);
    });

    it('searches an inbox as its reader sees it, since an inclusive instant and until an exclusive one', async () => {
      const early = await save(makeCapturedMail({ received: at(1) }), ['box@example.com']);
      const exact = await save(makeCapturedMail({ received: at(2) }), ['box@example.com']);
      const theirs = await save(makeCapturedMail({ received: at(3) }), ['box@example.com'], { savedBy: 'someone-else' });
      const late = await save(makeCapturedMail({ received: at(4) }), ['box@example.com']);
      const all = [...early, ...exact, ...theirs, ...late];
      const scope = { kind: 'inbox', inbox: 'box@example.com', starred: { starredVisibleTo: 'me' } } as const;
      assert.deepEqual(await searched({ scope, since: at(2), order: 'oldest', limit: 10 }, all), [exact[0].id, late[0].id]);
      assert.deepEqual(await searched({ scope, since: at(2), until: at(4), order: 'oldest', limit: 10 }, all), [exact[0].id]);
      const everyStar = { kind: 'inbox', inbox: 'box@example.com', starred: {} } as const;
      assert.deepEqual(await searched({ scope: everyStar, since: at(3), order: 'oldest', limit: 10 }, all), [theirs[0].id, late[0].id]);
    });

    it('filters by to, from and subject: case-insensitive substrings, ANDed in allOf and ORed in anyOf', async () => {
      const signup = await save(
        makeCapturedMail({ received: at(1), subject: 'Verify your 100% E-mail', from: [{ address: 'No-Reply@Shop.test', name: 'Shop' }] }),
        ['user+1@example.com'],
      );
      const reset = await save(
        makeCapturedMail({ received: at(2), subject: 'Reset your password', from: [{ address: 'security@bank.test', name: 'Shop lookalike' }], to: [{ address: 'Shown@Header.test', name: 'user' }] }),
        ['user+2@example.com'],
      );
      const all = [...signup, ...reset];
      const scope = { kind: 'everything' } as const;
      const search = (filter: Partial<MessageSearch>) => searched({ scope, order: 'oldest', limit: 10, ...filter }, all);
      assert.deepEqual(await search({ allOf: [{ field: 'from', contains: 'shop.TEST' }] }), [signup[0].id]);
      assert.deepEqual(await search({ allOf: [{ field: 'from', contains: 'lookalike' }] }), [], 'display names are not addresses');
      assert.deepEqual(await search({ allOf: [{ field: 'subject', contains: '100%' }] }), [signup[0].id], 'wildcards are literal');
      assert.deepEqual(await search({ allOf: [{ field: 'subject', contains: '_' }] }), []);
      assert.deepEqual(await search({ allOf: [{ field: 'to', contains: 'header.test' }] }), [reset[0].id], 'a To: header address');
      assert.deepEqual(await search({ allOf: [{ field: 'to', contains: 'user+1@' }] }), [signup[0].id], 'or the inbox itself');
      assert.deepEqual(await search({ allOf: [{ field: 'subject', contains: 'your' }, { field: 'from', contains: 'bank' }] }), [reset[0].id]);
      assert.deepEqual(await search({ anyOf: [{ field: 'subject', contains: 'verify' }, { field: 'from', contains: 'bank' }] }), [signup[0].id, reset[0].id]);
      assert.deepEqual(await search({ allOf: [{ field: 'subject', contains: 'password' }], anyOf: [{ field: 'from', contains: 'shop' }] }), []);
      await store.updateMessage(reset[0].inbox, reset[0].id, { read: true });
      assert.deepEqual(ids(await store.searchMessages({ scope, read: false, order: 'oldest', limit: 10 })), [signup[0].id]);
      assert.equal(await store.countMatching({ scope, read: true }), 1);
    });

    /**
     * A search with words conditions: matchesFilter cannot see bodies, so it may only say "could match" (a
     * superset of what the store finds); everything it rules out, the store must rule out too.
     */
    async function searchedWithWords(search: MessageSearch, all: StoredMessage[]): Promise<string[]> {
      const found = ids(await store.searchMessages(search));
      const possible = ids(all.filter((message) => matchesFilter(message, search)));
      assert.deepEqual(found.filter((id) => !possible.includes(id)), [], 'matchesFilter never rules out what the store finds');
      assert.equal(await store.countMatching(search), found.length, 'countMatching agrees');
      return found.sort();
    }

    it('searches words (subject, addresses, body; phrases in order), labels, stars, attachments, sizes and negations', async () => {
      const welcome = await save(
        makeCapturedMail({
          received: at(1),
          subject: 'Your code is 123456',
          from: [{ address: 'noreply@shop.test', name: 'Shop' }],
          text: 'Welcome to the Café-Crème club',
          attachments: [],
        }),
        ['user@example.com'],
        { size: 100 },
      );
      const invoice = await save(
        makeCapturedMail({ received: at(2), subject: 'Invoice', from: [{ address: 'billing@bank.test', name: '' }], text: 'Please find the invoice attached.' }),
        ['user@example.com'],
        { size: 5_000, savedBy: 'acct' },
      );
      const reset = await save(
        makeCapturedMail({ received: at(3), subject: 'Reset your password', text: null, html: '<p>Click to <b>reset</b> your password now</p>', attachments: [] }),
        ['a@example.com', 'b@example.com'],
        { size: 1_000 },
      );
      await store.updateMessage(welcome[0].inbox, welcome[0].id, { addLabel: 'Important' });
      const scope = { kind: 'everything' } as const;
      const everything = () => store.searchMessages({ scope, order: 'oldest', limit: 10 });
      const search = async (filter: Partial<MessageSearch>) => searchedWithWords({ scope, order: 'oldest', limit: 10, ...filter }, await everything());
      const words = (...list: string[]) => ({ field: 'words', words: list }) as const;
      const sorted = (...lists: StoredMessage[][]) => ids(lists.flat()).sort();

      assert.deepEqual(await search({ allOf: [words('cafe', 'creme')] }), sorted(welcome), 'body words, accents removed');
      assert.deepEqual(await search({ allOf: [words('attached')] }), sorted(invoice), 'a body-only word');
      assert.deepEqual(await search({ allOf: [words('shop')] }), sorted(welcome), 'an address word');
      assert.deepEqual(await search({ allOf: [words('123456')] }), sorted(welcome), 'a subject number');
      assert.deepEqual(await search({ allOf: [words('reset', 'your', 'password')] }), sorted(reset), 'a phrase, in every copy');
      assert.deepEqual(await search({ allOf: [words('your', 'reset')] }), [], 'a phrase is in order');
      assert.deepEqual(await search({ allOf: [words('123456', 'noreply')] }), [], 'a phrase stays within subject, addresses or body');
      assert.deepEqual(await search({ allOf: [words('attach')] }), [], 'whole words, not prefixes');
      assert.deepEqual(await search({ noneOf: [words('invoice')] }), sorted(welcome, reset), 'a negated word');
      assert.deepEqual(await search({ allOf: [{ field: 'label', is: 'important' }] }), sorted(welcome), 'a label, any case');
      assert.deepEqual(await search({ allOf: [{ field: 'label', is: 'import' }] }), [], 'a whole label');
      assert.deepEqual(await search({ noneOf: [{ field: 'label', is: 'IMPORTANT' }, { field: 'from', contains: 'bank' }] }), sorted(reset));
      assert.deepEqual(await search({ starred: true }), sorted(invoice));
      assert.deepEqual(await search({ starred: false }), sorted(welcome, reset));
      assert.deepEqual(await search({ hasAttachment: true }), sorted(invoice));
      assert.deepEqual(await search({ hasAttachment: false }), sorted(welcome, reset));
      assert.deepEqual(await search({ largerThan: 100, smallerThan: 5_000 }), sorted(reset), 'sizes are strict bounds');
      assert.deepEqual(await search({ anyOf: [words('attached'), { field: 'subject', contains: 'CODE' }] }), sorted(welcome, invoice));

      await store.deleteMessage(reset[0].inbox, reset[0].id);
      assert.deepEqual(await search({ allOf: [words('password')] }), sorted(reset.slice(1)), 'the other copy still has its words');
      await store.deleteMessage(reset[1].inbox, reset[1].id);
      await store.deleteMessage(invoice[0].inbox, invoice[0].id);
      assert.deepEqual(await search({ allOf: [words('password')] }), [], 'words go with the last copy');
      assert.deepEqual(await search({ allOf: [words('attached')] }), []);
      const again = await save(makeCapturedMail({ received: at(4), subject: 'Invoice again', text: 'attached once more' }), ['user@example.com']);
      assert.deepEqual(await search({ allOf: [words('attached')] }), sorted(again), 'a later transaction has its own words');
    });

    it('tallies public mail only: never starred mail, excluded inboxes or excluded domains, not even as a count', async () => {
      const logo = makeAttachment('the public logo', { filename: 'logo.png' });
      const secret = makeAttachment('only private mail carries this');
      const from = (address: string) => ({ from: [{ address, name: '' }] });
      await save(makeCapturedMail({ received: at(1), attachments: [logo, logo], ...from('a@senders.test') }), ['p1@public.test', 'p2@public.test']);
      await save(makeCapturedMail({ received: at(2), attachments: [logo], ...from('a@senders.test') }), ['p1@public.test']);
      await save(makeCapturedMail({ received: at(3), attachments: [], ...from('b@senders.test') }), ['p3@other.test']);
      // Private in every way: starred in a public inbox, a reserved inbox, a custom domain.
      await save(makeCapturedMail({ received: at(2), attachments: [logo, secret], ...from('c@senders.test') }), ['p1@public.test'], { savedBy: 'account-1' });
      await save(makeCapturedMail({ received: at(2), attachments: [logo, secret], ...from('c@senders.test') }), ['reserved@public.test', 'x@owned.test']);
      const scope = { excludeInboxes: ['reserved@public.test'], excludeDomains: ['owned.test'] };
      const all = { ...scope, skip: 0, limit: 10 };

      assert.deepEqual(await store.tallyPublicMail('inbox', all), [
        { key: 'p1@public.test', n: 2 },
        { key: 'p2@public.test', n: 1 },
        { key: 'p3@other.test', n: 1 },
      ]);
      assert.deepEqual(await store.tallyPublicMail('domain', all), [
        { key: 'public.test', n: 3 },
        { key: 'other.test', n: 1 },
      ]);
      assert.deepEqual(await store.tallyPublicMail('sender', all), [
        { key: 'a@senders.test', n: 3 },
        { key: 'b@senders.test', n: 1 },
      ]);
      assert.deepEqual(await store.tallyPublicAttachments(all), [{ key: logo.md5, n: 3 }], 'a content attached twice counts once');
      assert.equal(await store.countPublicWithAttachment(logo.md5, scope), 3);
      assert.equal(await store.countPublicWithAttachment(secret.md5, scope), 0);
      assert.deepEqual(await store.listPublicWithAttachment(secret.md5, { ...scope, limit: 10 }), []);
      const carrying = await store.listPublicWithAttachment(logo.md5, { ...scope, limit: 10 });
      // Newest first; the two copies of one transaction (same instant) by id, descending.
      assert.deepEqual(carrying.map((message) => [message.inbox, message.received.getTime()]), [
        ['p1@public.test', at(2).getTime()],
        ['p2@public.test', at(1).getTime()],
        ['p1@public.test', at(1).getTime()],
      ]);
      assert.equal((await store.listPublicWithAttachment(logo.md5, { ...scope, limit: 1 })).length, 1);

      // Paging and the date range (both ends inclusive).
      assert.deepEqual(await store.tallyPublicMail('inbox', { ...all, skip: 1, limit: 1 }), [{ key: 'p2@public.test', n: 1 }]);
      assert.deepEqual(await store.tallyPublicMail('inbox', { ...all, limit: 0 }), []);
      assert.deepEqual(await store.tallyPublicMail('inbox', { ...all, since: at(2), until: at(3) }), [
        { key: 'p1@public.test', n: 1 },
        { key: 'p3@other.test', n: 1 },
      ]);
      assert.deepEqual(await store.tallyPublicAttachments({ ...all, since: at(3) }), []);

      // Nothing excluded: the reserved and custom-domain copies count; the starred one still never does.
      const open = { excludeInboxes: [], excludeDomains: [], skip: 0, limit: 10 };
      assert.equal((await store.tallyPublicAttachments(open)).find((row) => row.key === secret.md5)?.n, 2);
      assert.equal(await store.countPublicWithAttachment(logo.md5, open), 5);

      // A deleted message leaves the tallies with it.
      const [gone] = carrying;
      await store.deleteMessage(gone.inbox, gone.id);
      assert.equal(await store.countPublicWithAttachment(logo.md5, scope), 2);
    });

    it('rejects a second save of the same queue id and writes nothing of it', async () => {
      const original = makeCapturedMail();
      const [originalCopy] = await save(original, ['first@example.com']);
      const duplicate = makeCapturedMail({ queueId: original.queueId, raw: Buffer.from('Subject: impostor\r\n\r\n') });
      // Copy numbers that do not collide with the original's, so only the queue id is the problem.
      const duplicateCopies = makeCopies(duplicate, ['x@example.com', 'y@example.com', 'z@example.com']).slice(1);

      await assert.rejects(store.saveCaptured(duplicate, duplicateCopies));
      assert.equal(await store.countInbox('y@example.com'), 0);
      assert.equal(await store.countInbox('z@example.com'), 0);
      assert.deepEqual(await store.getMessage(originalCopy.inbox, originalCopy.id), originalCopy);
      assert.deepEqual(await store.getRaw(originalCopy.inbox, originalCopy.id), original.raw);
    });

    it('keeps message ids unique: a save that reuses one fails as a whole', async () => {
      const original = makeCapturedMail();
      const [taken] = await save(original, ['taken@example.com']);
      const later = makeCapturedMail({ attachments: [makeAttachment('only in the failed save')] });
      const [fresh] = makeCopies(later, ['fresh@example.com']);
      const clash: StoredMessage = { ...makeCopies(later, ['taken@example.com'])[0], id: taken.id };

      // The fresh copy is written before the clash is met: a store without a transaction would keep it.
      await assert.rejects(store.saveCaptured(later, [fresh, clash]));
      assert.equal(await store.countInbox('fresh@example.com'), 0);
      assert.equal(await store.getMessage(fresh.inbox, fresh.id), null);
      assert.equal(await store.getRaw(fresh.inbox, fresh.id), null);
      assert.deepEqual(await store.getMessage(taken.inbox, taken.id), taken);
      assert.equal(await store.countInbox('taken@example.com'), 1);

      // And the queue id of the failed save is still free: nothing of it was kept.
      await store.saveCaptured(later, [fresh]);
      assert.deepEqual(await store.getMessage(fresh.inbox, fresh.id), fresh);
    });

    it('stores every one of 200 concurrent saves', async () => {
      const mails = Array.from({ length: 200 }, (_, i) =>
        makeCapturedMail({ received: at(i % 7), raw: Buffer.from(`Subject: burst ${i}\r\n\r\n\xff`, 'latin1') }),
      );
      const copies = mails.map((mail, i) => makeCopies(mail, ['burst@example.com', `solo-${i}@example.com`]));

      await Promise.all(mails.map((mail, i) => store.saveCaptured(mail, copies[i])));

      assert.equal(await store.countInbox('burst@example.com'), 200);
      const listed = ids(await store.listInbox('burst@example.com', { limit: 1000 }));
      assert.deepEqual(new Set(listed), new Set(copies.map(([burst]) => burst.id)));
      for (const [i, [, solo]] of copies.entries()) {
        assert.deepEqual(await store.getRaw(solo.inbox, solo.id), mails[i].raw);
      }
    });

    it('prunes public mail received strictly before the cutoff, keeping starred and newer mail', async () => {
      const inbox = 'aging@example.com';
      await save(makeCapturedMail({ received: at(1) }), [inbox]);
      await save(makeCapturedMail({ received: at(2) }), [inbox, 'aging-too@example.com']);
      const [starred] = await save(makeCapturedMail({ received: at(0) }), [inbox], { savedBy: 'account-1' });
      const [atCutoff] = await save(makeCapturedMail({ received: at(3) }), [inbox]);
      const [newer] = await save(makeCapturedMail({ received: at(5) }), [inbox]);

      assert.equal(await store.pruneOlderThan(at(3)), 3, 'one copy of the first mail, both of the second');
      assert.deepEqual(ids(await store.listInbox(inbox, { limit: 10 })), [newer.id, atCutoff.id, starred.id]);
      assert.equal(await store.countInbox('aging-too@example.com'), 0);
      assert.deepEqual(ids(await store.listStarred('account-1', { limit: 10 })), [starred.id]);
      assert.equal(await store.pruneOlderThan(at(3)), 0, 'nothing left to prune');
    });

    it('prunes more public mail than one round takes, in one call', async () => {
      const crowd = Array.from({ length: 1200 }, (_, i) => `crowd-${i}@example.com`);
      await save(makeCapturedMail({ received: at(1) }), crowd);
      assert.equal(await store.pruneOlderThan(at(2)), 1200);
      assert.equal(await store.countInbox(crowd[1199]), 0);
      await assertStored({ rawSources: 0, attachmentContents: 1 }, 'the raw source went with the last copy');
    });

    it('trims an inbox to its newest public messages, ties by id, ignoring starred mail and others', async () => {
      const inbox = 'full@example.com';
      for (const minute of [1, 1, 1, 2, 2]) {
        await save(makeCapturedMail({ received: at(minute) }), [inbox, `neighbour-${minute}@example.com`]);
      }
      await save(makeCapturedMail({ received: at(0) }), [inbox], { savedBy: 'account-1' });
      await save(makeCapturedMail({ received: at(3) }), [inbox], { savedBy: 'account-1' });
      const listed = await store.listInbox(inbox, { limit: 10 });
      const keptPublic = ids(listed.filter((message) => message.savedBy === null)).slice(0, 3);
      const expected = ids(listed.filter((message) => message.savedBy !== null || keptPublic.includes(message.id)));

      assert.equal(await store.trimInbox(inbox, 3), 2, 'the two oldest of the three mails in minute 1');
      assert.deepEqual(ids(await store.listInbox(inbox, { limit: 10 })), expected);
      assert.equal(await store.countInbox('neighbour-1@example.com'), 3, 'other inboxes keep their copies');
      assert.equal(await store.trimInbox(inbox, 3), 0, 'already within the limit');

      assert.equal(await store.trimInbox(inbox, 0), 3, 'keeping none takes every public message');
      assert.equal(await store.countInbox(inbox), 2, 'starred mail stays');
      assert.equal(await store.trimInbox('never-used@example.com', 5), 0);
      await assert.rejects(store.trimInbox(inbox, -1), RangeError);
      await assert.rejects(store.trimInbox(inbox, 1.5), RangeError);
    });

    it("drops a pruned mail's raw source and unreferenced attachments, keeping a shared one readable", async () => {
      const shared = makeAttachment('the logo every mail carries', { filename: 'logo.txt' });
      const unique = makeAttachment('only the old mail carries this');
      const oldMail = makeCapturedMail({ received: at(1), attachments: [shared, unique] });
      await save(oldMail, ['old@example.com', 'old-cc@example.com']);
      const newMail = makeCapturedMail({ received: at(10), attachments: [shared] });
      const [kept] = await save(newMail, ['new@example.com']);
      await assertStored({ rawSources: 2, attachmentContents: 2 }, 'before pruning');

      assert.equal(await store.pruneOlderThan(at(5)), 2);
      await assertStored({ rawSources: 1, attachmentContents: 2 }, 'raw source gone with its last copy');
      await harness.elapseBlobGrace?.();
      assert.equal(await store.pruneUnreferencedBlobs(), 1, 'the attachment only the pruned mail carried');
      await assertStored({ rawSources: 1, attachmentContents: 1 }, 'after the sweep');
      assert.equal(await store.pruneUnreferencedBlobs(), 0, 'nothing more to sweep');

      assert.deepEqual(await store.getAttachment(kept.inbox, kept.id, shared.md5), shared);
      assert.deepEqual(await store.getRaw(kept.inbox, kept.id), newMail.raw);
    });

    it('leaves what trimmed and deleted messages carried to the sweep, and the sweep takes it', async () => {
      const twice = makeAttachment('attached twice to one mail');
      const twiceMail = makeCapturedMail({ received: at(1), attachments: [twice, twice] });
      const [trimmed] = await save(twiceMail, ['t@example.com']);
      const [deleted] = await save(makeCapturedMail({ received: at(2) }), ['d@example.com']);
      const [cleared] = await save(makeCapturedMail({ received: at(3) }), ['c@example.com']);
      await save(makeCapturedMail({ received: at(4), attachments: [] }), ['t@example.com']);

      assert.equal(await store.trimInbox(trimmed.inbox, 1), 1);
      assert.equal(await store.deleteMessage(deleted.inbox, deleted.id), true);
      assert.equal(await store.deleteInbox(cleared.inbox), 1);
      // The default fixture attachment was carried by the deleted and the cleared mail.
      await assertStored({ rawSources: 1, attachmentContents: 2 }, 'contents wait for the sweep');
      await harness.elapseBlobGrace?.();
      assert.equal(await store.pruneUnreferencedBlobs(), 2);
      await assertStored({ rawSources: 1, attachmentContents: 0 }, 'after the sweep');
    });

    it('keeps an unreferenced attachment that a later save refers to again, across sweeps', async () => {
      // Over 1 MiB, so that stores that split contents into chunks have more than one to keep together.
      const shared = makeAttachment(Buffer.alloc(1_200_000, 'x'), { filename: 'big.bin' });
      const [first] = await save(makeCapturedMail({ attachments: [shared] }), ['first@example.com']);
      await store.deleteMessage(first.inbox, first.id);
      await harness.elapseBlobGrace?.(); // unreferenced and old: fair game for a sweep, until a save uses it

      const [again] = await save(makeCapturedMail({ attachments: [shared] }), ['again@example.com']);
      assert.equal(await store.pruneUnreferencedBlobs(), 0);
      await harness.elapseBlobGrace?.();
      assert.equal(await store.pruneUnreferencedBlobs(), 0, 'referenced: no grace period needed to keep it');
      assert.deepEqual(await store.getAttachment(again.inbox, again.id, shared.md5), shared);
      await assertStored({ rawSources: 1, attachmentContents: 1 }, 'one content, referenced again');
    });

    it('prunes an empty store without complaint', async () => {
      assert.equal(await store.pruneOlderThan(at(1_000_000)), 0);
      assert.equal(await store.trimInbox('nobody@example.com', 0), 0);
      assert.equal(await store.pruneUnreferencedBlobs(), 0);
      await assertStored({ rawSources: 0, attachmentContents: 0 }, 'an empty store');
    });

    // ---- webhook deliveries ----

    /** Saves a mail to one inbox with a delivery for each webhook id, and returns the delivery ids. */
    async function saveWithDeliveries(webhookIds: string[]): Promise<string[]> {
      const mail = makeCapturedMail();
      const [copy] = makeCopies(mail, ['hooked@example.com']);
      const deliveries = webhookIds.map((webhookId, n) => ({ id: `dlv_${mail.queueId}_${n}`, webhookId, messageId: copy.id, inbox: copy.inbox }));
      await store.saveCaptured(mail, [copy], deliveries);
      return deliveries.map((d) => d.id);
    }

    it('enqueues deliveries with the message, leases each to one claimer, and settles only under its own lease', async () => {
      const enqueued = await saveWithDeliveries(['wh_1', 'wh_2']);
      const now = new Date(Date.now() + 1000);
      assert.deepEqual(await store.webhookQueueStats().then((q) => q.pending), 2);

      const first = await store.claimWebhookDeliveries({ owner: 'w1', now, leaseMs: 60_000, limit: 10 });
      assert.deepEqual(first.map((d) => d.id).sort(), [...enqueued].sort());
      assert.deepEqual(await store.claimWebhookDeliveries({ owner: 'w2', now, leaseMs: 60_000, limit: 10 }), [], 'leased: no second claimer');

      const [one, two] = first;
      const attempt = { at: now, status: 200, latencyMs: 12, error: null };
      assert.equal(await store.settleWebhookDelivery(one, 'w2', { state: 'delivered', attempt, nextAttemptAt: now }), false, 'not w2’s lease');
      assert.equal(await store.settleWebhookDelivery(one, 'w1', { state: 'delivered', attempt, nextAttemptAt: now }), true);
      const retryAt = new Date(now.getTime() + 5_000);
      const failed = { at: now, status: 503, latencyMs: 7, error: 'HTTP 503' };
      assert.equal(await store.settleWebhookDelivery(two, 'w1', { state: 'pending', attempt: failed, nextAttemptAt: retryAt }), true);

      assert.deepEqual(await store.claimWebhookDeliveries({ owner: 'w2', now, leaseMs: 60_000, limit: 10 }), [], 'not due before its backoff');
      const [again] = await store.claimWebhookDeliveries({ owner: 'w2', now: retryAt, leaseMs: 60_000, limit: 10 });
      assert.equal(again.id, two.id);
      assert.equal(again.attempts, 1);
      assert.deepEqual(again.lastAttempts, [failed]);
      assert.equal(await store.settleWebhookDelivery(two, 'w1', { state: 'delivered', attempt, nextAttemptAt: now }), false, 'a stale lease writes nothing');

      const stats = await store.webhookQueueStats();
      assert.equal(stats.pending, 1);
      assert.ok(stats.oldestPending instanceof Date);
      const [log] = await store.listWebhookDeliveries('wh_1', 10);
      assert.deepEqual({ id: log.id, state: log.state, attempts: log.attempts, lastAttempts: log.lastAttempts }, { id: one.id, state: 'delivered', attempts: 1, lastAttempts: [attempt] });
      assert.ok(log.settledAt instanceof Date);
    });

    it('prunes the records of deliveries settled before a cutoff, whatever their final state, never a pending one', async () => {
      const enqueued = await saveWithDeliveries(['wh_p', 'wh_p', 'wh_p', 'wh_p']);
      const now = new Date(Date.now() + 1000);
      const claimed = await store.claimWebhookDeliveries({ owner: 'w1', now, leaseMs: 60_000, limit: 10 });
      const byId = (id: string) => claimed.find((d) => d.id === id)!;
      const hourAgo = new Date(now.getTime() - 3_600_000);
      const attempt = (at: Date) => ({ at, status: 500, latencyMs: 3, error: 'HTTP 500' });
      assert.equal(await store.settleWebhookDelivery(byId(enqueued[0]!), 'w1', { state: 'delivered', attempt: attempt(hourAgo), nextAttemptAt: hourAgo }), true);
      assert.equal(await store.settleWebhookDelivery(byId(enqueued[1]!), 'w1', { state: 'failed', attempt: attempt(hourAgo), nextAttemptAt: hourAgo }), true);
      assert.equal(await store.settleWebhookDelivery(byId(enqueued[2]!), 'w1', { state: 'dropped', attempt: attempt(now), nextAttemptAt: now }), true);
      // The fourth stays pending (claimed, then retried later).
      assert.equal(await store.settleWebhookDelivery(byId(enqueued[3]!), 'w1', { state: 'pending', attempt: attempt(hourAgo), nextAttemptAt: now }), true);

      assert.equal(await store.pruneSettledDeliveries(new Date(now.getTime() - 60_000)), 2);
      assert.deepEqual((await store.listWebhookDeliveries('wh_p', 10)).map((d) => d.id).sort(), [enqueued[2], enqueued[3]].sort());
      assert.equal(await store.pruneSettledDeliveries(new Date(now.getTime() + 60_000)), 1, 'the dropped one, later');
      assert.equal((await store.webhookQueueStats()).pending, 1);
    });

    it('hands a delivery whose lease ran out to the next claimer, and each one to a single claimer of many at once', async () => {
      const enqueued = await saveWithDeliveries(['wh_a', 'wh_b', 'wh_c', 'wh_d', 'wh_e']);
      const now = new Date(Date.now() + 1000);
      const [held] = await store.claimWebhookDeliveries({ owner: 'dead', now, leaseMs: 1_000, limit: 1 });
      const later = new Date(now.getTime() + 1_001);
      const claims = await Promise.all(
        ['x', 'y', 'z', 'x2', 'y2', 'z2'].map((owner) => store.claimWebhookDeliveries({ owner, now: later, leaseMs: 60_000, limit: 2 })),
      );
      // A claimer looks at a few candidates only, so one may be left for the next look: no duplicate, though.
      const leftovers = await store.claimWebhookDeliveries({ owner: 'last', now: later, leaseMs: 60_000, limit: 10 });
      const claimedIds = [...claims.flat(), ...leftovers].map((d) => d.id);
      assert.deepEqual([...claimedIds].sort(), [...enqueued].sort(), 'every delivery claimed once, the expired one included');
      assert.ok(claimedIds.includes(held.id));
    });

    it('stores no delivery when the save fails', async () => {
      const mail = makeCapturedMail();
      const copies = makeCopies(mail, ['x@example.com']);
      await store.saveCaptured(mail, copies);
      const delivery = { id: 'dlv_dup', webhookId: 'wh_x', messageId: copies[0].id, inbox: copies[0].inbox };
      await assert.rejects(store.saveCaptured(mail, copies, [delivery]));
      assert.equal((await store.webhookQueueStats()).pending, 0);
    });

    it('keeps its data across close and reopen', async (t) => {
      if (!harness.reopen) {
        t.skip('this adapter offers no reopen hook');
        return;
      }
      const mail = makeCapturedMail({ received: at(5) });
      const [kept, gone] = await save(mail, ['durable@example.com', 'gone@example.com']);
      const patched = await store.updateMessage(kept.inbox, kept.id, { addLabel: 'kept', savedBy: 'account-1' });
      await store.deleteMessage(gone.inbox, gone.id);

      await store.close();
      store = await harness.reopen();
      await store.open();

      assert.deepEqual(await store.getMessage(kept.inbox, kept.id), patched);
      assert.deepEqual(await store.listStarred('account-1', { limit: 10 }), [patched]);
      assert.deepEqual(await store.getRaw(kept.inbox, kept.id), mail.raw);
      assert.deepEqual(await store.getAttachment(kept.inbox, kept.id, mail.attachments[0].md5), mail.attachments[0]);
      assert.equal(await store.getMessage(gone.inbox, gone.id), null);

      await save(makeCapturedMail(), ['durable@example.com']);
      assert.equal(await store.countInbox('durable@example.com'), 2, 'the reopened store accepts new mail');
    });
  });
}
