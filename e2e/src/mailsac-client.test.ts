// The official @mailsac/api client, pointed at Capturebox by its base URL only, does every message
// operation; each JSON response matches Mailsac's published schemas.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Mailsac, MessageFolder } from '@mailsac/api';
import nodemailer from 'nodemailer';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';
import { emailMessageKeys, MailsacSchemas } from './support/mailsac-schemas';

const INBOX = 'client-test@capture.test';

describe('@mailsac/api client against Capturebox', () => {
  let box: CaptureboxProcess;
  let client: Mailsac<unknown>;
  const schemas = new MailsacSchemas();
  const ids: string[] = [];

  before(async () => {
    box = await CaptureboxProcess.start();
    client = new Mailsac({ baseURL: `${box.baseUrl}/api`, headers: { 'Mailsac-Key': ADMIN_API_KEY } });
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: box.smtpPort,
      auth: { user: ADMIN_USER, pass: ADMIN_API_KEY },
      tls: { rejectUnauthorized: false },
    });
    for (const n of [1, 2, 3]) {
      await transport.sendMail({
        from: '"Sender Name" <sender@example.com>',
        to: INBOX,
        subject: `Message ${n}`,
        text: `Plain body ${n} https://example.com/text/${n}`,
        html: `<p>HTML body ${n} <a href="https://example.com/html/${n}">link</a></p><script>window.evil=1</script>`,
        headers: { 'X-Test-Header': `value-${n}` },
      });
    }
    transport.close();
  });
  after(async () => box.dispose());

  test('lists newest first and counts', async () => {
    const { data: list } = await client.messages.listMessages(INBOX, {});
    schemas.assertValid('EmailMessageList', list);
    assert.deepEqual(list.map((m) => m.subject), ['Message 3', 'Message 2', 'Message 1']);
    // Every field of Mailsac's EmailMessage but `spam`, which is absent (not a made-up 0) while no spamd scores
    // the mail (README "Message checks"; e2e/src/message-checks.test.ts covers it scored).
    const unscored = emailMessageKeys().filter((key) => key !== 'spam');
    for (const message of list) assert.deepEqual(Object.keys(message).sort(), unscored.sort());
    ids.push(...list.map((m) => m._id as string));

    const { data: limited } = await client.messages.listMessages(INBOX, { limit: 2 });
    assert.deepEqual(limited.map((m) => m.subject), ['Message 3', 'Message 2']);

    const { data: count } = await client.messages.countMessages(INBOX);
    assert.deepEqual(count, { count: 3, inbox: INBOX });
  });

  test('reads metadata, text, sanitized and dirty HTML, raw source and headers', async () => {
    const id = ids[0];
    const { data: metadata } = await client.messages.getMessageMetadata(INBOX, id);
    schemas.assertValid('EmailMessage', metadata);
    assert.equal(metadata.subject, 'Message 3');
    assert.deepEqual(metadata.from, [{ address: 'sender@example.com', name: 'Sender Name' }]);
    assert.deepEqual(metadata.links, ['https://example.com/text/3', 'https://example.com/html/3']);

    const { data: text } = await client.messages.getBodyPlainText(INBOX, id, {});
    assert.match(String(text), /Plain body 3/);

    const { data: sanitized } = await client.messages.getBodySanitized(INBOX, id, {});
    assert.match(String(sanitized), /HTML body 3/);
    assert.doesNotMatch(String(sanitized), /<script/i);

    const { data: dirty } = await client.messages.getBodyDirty(INBOX, id, {});
    assert.match(String(dirty), /<script>window\.evil=1<\/script>/);

    const { data: raw } = await client.messages.getFullRawMessage(INBOX, id, {});
    // Our Received: trace line on top, as Mailsac has it; then the source as sent.
    assert.match(String(raw), /^Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby /);
    assert.match(String(raw), /^X-Test-Header: value-3\r?$/m);
    assert.match(String(raw), /Subject: Message 3/);

    const { data: grouped } = await client.messages.getHeaders(INBOX, id, { messageHeadersFormat: 'json' });
    schemas.assertValid('MessageHeaders', grouped);
    assert.deepEqual((grouped as Record<string, string[]>)['x-test-header'], ['value-3']);
    assert.equal((grouped as Record<string, string[]>).received.length, 1);
    const { data: ordered } = await client.messages.getHeaders(INBOX, id, { messageHeadersFormat: 'json-ordered' });
    assert.ok(Array.isArray(ordered));
    assert.ok((ordered as Array<{ name: string; value: string }>).some((h) => h.name === 'subject' && h.value === 'Message 3'));
    const { data: plain } = await client.messages.getHeaders(INBOX, id, { messageHeadersFormat: 'plain' });
    // Names as the sender wrote them, as Mailsac's plain format shows them.
    assert.match(String(plain), /^X-Test-Header: value-3$/m);
    assert.match(String(plain), /^Subject: Message 3$/m);
    assert.match(String(plain), /^Received: from /);
  });

  test('stars, labels, moves, marks read', async () => {
    const id = ids[1];
    const { data: starred } = await client.messages.toggleMessageStar(INBOX, id);
    schemas.assertValid('EmailMessageShort', starred);
    assert.equal(starred.savedBy, 'admin');
    const { data: starredList } = await client.messages.listStarredMessages();
    schemas.assertValid('EmailMessageList', starredList);
    assert.deepEqual(starredList.map((m) => m._id), [id]);

    const { data: labelled } = await client.messages.addMessageLabel(INBOX, id, 'release-42');
    assert.deepEqual(labelled, { _id: id, labels: ['release-42'] });
    await client.messages.addMessageLabel(INBOX, id, 'release-42');
    const { data: unlabelled } = await client.messages.deleteMessageLabel(INBOX, id, 'release-42');
    assert.deepEqual(unlabelled, { _id: id, labels: [] });

    const { data: moved } = await client.messages.setMessageFolder(INBOX, id, MessageFolder.Spam);
    assert.deepEqual(moved, { _id: id, folder: 'spam' });
    const { data: read } = await client.messages.setMessageReadStatus(INBOX, id, true);
    assert.deepEqual(read, { _id: id, read: true });

    const { data: updated } = await client.messages.getMessageMetadata(INBOX, id);
    schemas.assertValid('EmailMessage', updated);
    assert.equal(updated.folder, 'spam');
    assert.equal(updated.read, true);

    const { data: unstarred } = await client.messages.toggleMessageStar(INBOX, id);
    assert.equal(unstarred.savedBy, null);
  });

  test('account-wide listing, filter and search (an admin key: all mail)', async () => {
    // Mailsac's document types `messages` as an array of EmailMessageListShort, itself an array: its
    // responses (and ours) are one array of message objects, which is what is validated here.
    const subjects = (messages: unknown) => (messages as Array<{ subject: string }>).map((m) => m.subject);
    const { data: all } = await client.messages.listInboxMessages({ limit: 2, skip: 1 });
    assert.deepEqual(Object.keys(all).sort(), ['limit', 'messages', 'skip', 'unread']);
    assert.deepEqual([all.limit, all.skip], [2, 1]);
    schemas.assertValid('EmailMessageListShort', all.messages);
    assert.deepEqual(subjects(all.messages), ['Message 2', 'Message 1']);
    assert.equal(typeof all.unread, 'number');

    const { data: filtered } = await client.messages.filterInboxMessages({ andSubjectIncludes: 'message', andFrom: 'sender@', andTo: INBOX });
    schemas.assertValid('EmailMessageListShort', filtered.messages);
    assert.deepEqual(subjects(filtered.messages), ['Message 3', 'Message 2', 'Message 1']);
    const none = await client.messages.filterInboxMessages({}).catch((error: { response?: { status: number } }) => error.response);
    assert.equal(none?.status, 400, 'a filter needs a condition');

    const { data: searched } = await client.messages.searchInboxMessages({ query: 'Message 2' });
    assert.equal(searched.query, 'Message 2');
    assert.deepEqual(subjects(searched.messages), ['Message 2']);
    const { data: byAddress } = await client.messages.searchInboxMessages({ query: 'client-test@' });
    assert.equal(byAddress.messages!.length, 3, 'to (or the inbox) matches as well as subject');
  });

  test('deletes one message, then the whole inbox', async () => {
    const { data: deleted } = await client.messages.deleteMessage(INBOX, ids[2]);
    assert.deepEqual(deleted, { _id: ids[2], inbox: INBOX, message: 'Message was deleted.' });
    await assert.rejects(client.messages.getMessageMetadata(INBOX, ids[2]), (error: { response?: { status: number; data: unknown } }) => {
      assert.equal(error.response?.status, 404);
      schemas.assertValid('ErrorResponseBody', error.response?.data);
      return true;
    });
    const response = await client.messages.deleteAllMessages(INBOX, {});
    assert.equal(response.status, 204);
    const { data: count } = await client.messages.countMessages(INBOX);
    assert.equal(count.count, 0);
  });

  test('the account behind the key', async () => {
    const { data: me } = await client.account.user();
    schemas.assertValid('CurrentUserInfo', me);
    assert.equal(me._id, ADMIN_USER);
  });
});
