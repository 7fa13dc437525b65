// The storage contract: the behaviour every MessageStore adapter must show, written once and run against
// each adapter from its own spec file (`describeMessageStoreContract('sqlite', ...)`).
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { CapturedMail, StoredMessage } from '../domain/captured-message';
import { StoreUnavailableError, type MessagePatch, type MessageStore } from './message-store';
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
        spam: 0.25,
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
