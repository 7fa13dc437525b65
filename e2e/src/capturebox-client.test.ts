// @capturebox/client against the built service: reading, the race-free wait (a message stored before the
// wait starts and one stored while it is open), search, codes and links, organising, the admin API, and
// failures as typed errors carrying Mailsac's error body. Mail goes in over real SMTP (nodemailer).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import {
  CaptureboxBadRequestError,
  CaptureboxClient,
  CaptureboxError,
  CaptureboxNotFoundError,
  CaptureboxUnauthorizedError,
  CaptureboxWaitTimeoutError,
} from '@capturebox/client';
import { ADMIN_API_KEY, CaptureboxProcess } from './support/capturebox-process';

describe('@capturebox/client', () => {
  let box: CaptureboxProcess;
  let transport: ReturnType<typeof nodemailer.createTransport>;
  let client: CaptureboxClient;

  before(async () => {
    box = await CaptureboxProcess.start({ env: { CAPTUREBOX_SMTP_AUTH: 'off' } });
    transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, tls: { rejectUnauthorized: false } });
    client = new CaptureboxClient({ baseUrl: box.baseUrl, apiKey: ADMIN_API_KEY });
  });
  after(async () => {
    transport.close();
    await box.dispose();
  });

  const send = (to: string, subject: string, text: string, html?: string) => transport.sendMail({ from: 'app@shop.test', to, subject, text, html });

  test('waitForMessage finds mail stored before the wait began (the cursor) and mail stored while it is open', async () => {
    const inbox = 'race@client.test';
    await send(inbox, 'Welcome aboard', 'an older one, before the cursor');
    const cursor = await client.cursor();
    await send(inbox, 'Welcome aboard', 'sent before the wait');
    const early = await client.waitForMessage({ to: inbox, subject: 'welcome', after: cursor, timeoutSeconds: 5 });
    const [newest, older] = await client.listMessages(inbox);
    assert.equal(early._id, newest._id, 'the message since the cursor, not the older one with the same subject');
    assert.notEqual(early._id, older._id);

    const later = await client.cursor();
    const waiting = client.waitForMessage({ to: inbox, subject: 'reset', after: later, timeoutSeconds: 10 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await send(inbox, 'Reset your password', 'sent while waiting');
    assert.equal((await waiting).subject, 'Reset your password');
  });

  test('waitForCode and waitForLink read the message the wait found', async () => {
    const inbox = 'codes@client.test';
    const after = await client.cursor();
    await send(inbox, 'Verify your account', 'Your verification code is 482913.', '<p>Or <a href="https://app.test/verify?t=abc">verify here</a>, or <a href="https://app.test/help">get help</a>.</p>');
    assert.equal(await client.waitForCode({ to: inbox, subject: 'verify', after, timeoutSeconds: 5 }), '482913');
    assert.equal(await client.waitForLink({ to: inbox, after, matching: /verify\?t=/, timeoutSeconds: 5 }), 'https://app.test/verify?t=abc');
    assert.equal(await client.waitForLink({ to: inbox, after, matching: 'help', timeoutSeconds: 5 }), 'https://app.test/help');
    assert.equal(await client.waitForCode({ to: inbox, after, pattern: '(\\d{3})\\d{3}', timeoutSeconds: 5 }), '482');
  });

  test('a wait with nothing to find throws CaptureboxWaitTimeoutError after its timeout, not before', async () => {
    const started = Date.now();
    const failure = await client.waitForMessage({ to: 'nobody@client.test', after: await client.cursor(), timeoutSeconds: 1.5 }).catch((error: unknown) => error);
    assert.ok(failure instanceof CaptureboxWaitTimeoutError, String(failure));
    assert.ok(Date.now() - started >= 1400, `gave up after ${Date.now() - started} ms`);
    assert.match(failure.message, /nobody@client\.test/);
  });

  test('the account-wide wait, search, listing, counting and reading', async () => {
    const inbox = 'reader@client.test';
    const after = await client.cursor();
    await send(inbox, 'Invoice 42 for you', 'Total: 12 EUR');
    const found = await client.waitForMessage({ subject: 'invoice 42', after, timeoutSeconds: 5 });
    assert.equal(found.inbox, inbox);
    const listed = await client.listMessages(inbox);
    assert.deepEqual(listed.map((message) => message._id), [found._id]);
    assert.equal((await client.countMessages(inbox)).count, 1);
    assert.equal((await client.getMessage(inbox, found._id!)).subject, 'Invoice 42 for you');
    assert.match(await client.raw(inbox, found._id!), /^Received: /);
    assert.match(await client.text(inbox, found._id!), /Total: 12 EUR/);
    const searched = await client.search('subject:"invoice 42"');
    assert.equal(searched.total, 1);
    assert.equal(searched.messages[0]._id, found._id);
  });

  test('organising: star, labels, folder, read, delete', async () => {
    const inbox = 'organise@client.test';
    const after = await client.cursor();
    await send(inbox, 'Keep me', 'organise');
    const { _id: id } = await client.waitForMessage({ to: inbox, after, timeoutSeconds: 5 });
    assert.equal((await client.toggleStar(inbox, id!)).savedBy !== null, true);
    assert.deepEqual((await client.addLabel(inbox, id!, 'important')).labels, ['important']);
    assert.deepEqual((await client.removeLabel(inbox, id!, 'important')).labels, []);
    assert.equal((await client.moveToFolder(inbox, id!, 'spam')).folder, 'spam');
    await client.markRead(inbox, id!, true);
    assert.equal((await client.getMessage(inbox, id!)).read, true);
    assert.deepEqual((await client.listStarred()).map((message) => message._id), [id]);
    await client.toggleStar(inbox, id!);
    await client.deleteMessage(inbox, id!);
    await assert.rejects(client.getMessage(inbox, id!), CaptureboxNotFoundError);
  });

  test('the admin API: an account, its key, its domain', async () => {
    const created = await client.admin.createAccount({ username: 'client-test', capturePrivate: true });
    assert.equal(created.account.username, 'client-test');
    const own = new CaptureboxClient({ baseUrl: box.baseUrl, apiKey: created.apiKey });
    assert.equal((await own.search('anything')).total, 0);
    assert.equal((await client.admin.updateAccount('client-test', { messageLimit: 5 })).messageLimit, 5);
    assert.ok((await client.admin.listAccounts()).some((account) => account.username === 'client-test'));
    const key = await client.admin.issueKey('client-test', { label: 'ci' });
    assert.equal((await client.admin.addDomain('client-test', 'client-owned.test')).domain, 'client-owned.test');
    assert.equal((await client.admin.getAccount('client-test')).username, 'client-test');
    assert.equal((await client.admin.removeDomain('client-test', 'client-owned.test')).released, true);
    assert.equal((await client.admin.revokeKey('client-test', key.keyId)).revoked, true);
    await assert.rejects(new CaptureboxClient({ baseUrl: box.baseUrl, apiKey: key.apiKey }).search('x'), CaptureboxUnauthorizedError);
    assert.equal((await client.admin.deleteAccount('client-test')).deleted, true);
    await assert.rejects(client.admin.getAccount('client-test'), CaptureboxNotFoundError);
  });

  test('failures are typed errors carrying Mailsac\'s error body', async () => {
    const missing = await client.getMessage('reader@client.test', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAA-0').catch((error: unknown) => error);
    assert.ok(missing instanceof CaptureboxNotFoundError && missing instanceof CaptureboxError, String(missing));
    assert.equal(missing.status, 404);
    assert.equal(typeof missing.body.message, 'string');
    assert.equal(missing.request, 'GET /api/addresses/reader%40client.test/messages/AAAAAAAAAAAAAAAAAAAAAAAAAAAA-0');

    const invalid = await client.listMessages('reader@client.test', { limit: 100000 }).catch((error: unknown) => error);
    assert.ok(invalid instanceof CaptureboxBadRequestError, String(invalid));
    assert.ok(invalid.body.validationErrors?.length, JSON.stringify(invalid.body));

    const stranger = new CaptureboxClient({ baseUrl: box.baseUrl, apiKey: 'cbx_not_a_key_at_all_0000000000000' });
    const refused = await stranger.admin.listAccounts().catch((error: unknown) => error);
    assert.ok(refused instanceof CaptureboxUnauthorizedError, String(refused));
    assert.equal(refused.body.error, 'Unauthorized');
  });
});
