// The search language end to end: mail sent over SMTP, found through `GET /api/search`, a searched inbox
// listing and a wait, by words of its body (the full-text index) and operators; bad syntax is a 400 that
// says why, never a 5xx.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { CaptureboxProcess } from './support/capturebox-process';

describe('searching mail', () => {
  let box: CaptureboxProcess;
  let transport: ReturnType<typeof nodemailer.createTransport>;

  before(async () => {
    box = await CaptureboxProcess.start({ env: { CAPTUREBOX_SMTP_AUTH: 'off' } });
    transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, pool: true, maxConnections: 1, tls: { rejectUnauthorized: false } });
  });
  after(async () => {
    transport.close();
    await box.dispose();
  });

  const search = async (query: string, extra = '') => {
    const response = await box.api(`/api/search?query=${encodeURIComponent(query)}${extra}`);
    return { status: response.status, body: (await response.json()) as { total: number; messages: Array<{ subject: string }>; message?: string } };
  };
  const subjects = async (query: string) => (await search(query)).body.messages.map((message) => message.subject).sort();

  test('finds mail by body words and phrases, operators and negations, newest first and paged', async () => {
    await transport.sendMail({ from: 'Shop <noreply@shop.test>', to: 'alice@find.test', subject: 'Your code', text: 'Your verification code is 424242. Welcome to the Café!' });
    await transport.sendMail({ from: 'billing@bank.test', to: 'alice@find.test', subject: 'Invoice 7', text: 'Please find the invoice attached.', attachments: [{ filename: 'invoice.pdf', content: 'PDF' }] });
    await transport.sendMail({ from: 'noreply@shop.test', to: 'bob@find.test', subject: 'Reset your password', html: '<p>Click to reset your <b>password</b></p>' });

    assert.deepEqual(await subjects('424242'), ['Your code'], 'a body word');
    assert.deepEqual(await subjects('cafe'), ['Your code'], 'accents do not matter');
    assert.deepEqual(await subjects('"reset your password"'), ['Reset your password'], 'a phrase in an HTML body');
    assert.deepEqual(await subjects('from:shop.test -code'), ['Reset your password']);
    assert.deepEqual(await subjects('has:attachment'), ['Invoice 7']);
    assert.deepEqual(await subjects('to:alice@find.test -has:attachment'), ['Your code']);
    assert.deepEqual(await subjects('subject:"your" larger:10 smaller:1M'), ['Reset your password', 'Your code']);
    assert.deepEqual(await subjects('after:1h is:unread shop'), ['Reset your password', 'Your code'], 'an address word');
    assert.deepEqual(await subjects('before:1h'), []);

    const page = await search('find', '&limit=1&skip=1');
    assert.equal(page.status, 200);
    assert.equal(page.body.total, 3, 'the total counts every match');
    assert.deepEqual(page.body.messages.map((message) => message.subject), ['Invoice 7'], 'newest first, paged');

    const listed = await box.api(`/api/addresses/alice@find.test/messages?query=${encodeURIComponent('invoice')}`);
    assert.deepEqual(((await listed.json()) as Array<{ subject: string }>).map((message) => message.subject), ['Invoice 7'], 'an inbox listing, searched');
  });

  test('a wait for body words wakes when such mail arrives, and not for other mail', async () => {
    const since = ((await (await box.api('/api/wait/cursor')).json()) as { cursor: string }).cursor;
    const query = encodeURIComponent('"magic link" -expired');
    const waiting = box.api(`/api/addresses/carol@find.test/wait?since=${since}&query=${query}&timeout=10`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await transport.sendMail({ from: 'a@shop.test', to: 'carol@find.test', subject: 'Sign in', text: 'This magic link has expired.' });
    await transport.sendMail({ from: 'a@shop.test', to: 'carol@find.test', subject: 'Sign in again', text: 'Here is your magic link.' });
    const response = await waiting;
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { subject: string }).subject, 'Sign in again');
  });

  test('refuses what it cannot read with a 400 that names the problem, never a 5xx', async () => {
    const cases: Array<[string, RegExp]> = [
      ['subject:"open', /Unterminated quote/],
      ['is:important', /is: takes starred, unread or read/],
      ['after:someday', /after: takes a day/],
      ['larger:lots', /larger: takes a size/],
      ['https://example.com', /Unknown operator/],
      ['???', /no letters or digits/],
      [Array.from({ length: 21 }, (_, n) => `w${n}`).join(' '), /at most 20 terms/],
    ];
    for (const [query, message] of cases) {
      const { status, body } = await search(query);
      assert.equal(status, 400, query);
      assert.match(body.message ?? '', message, query);
    }
    for (const path of ['/api/search?query=' + 'x'.repeat(1001), '/api/search?query=a&query=b', `/api/addresses/a@find.test/messages?query=${encodeURIComponent('is:x')}`, `/api/wait?query=${encodeURIComponent('"x')}`]) {
      assert.equal((await box.api(path)).status, 400, path);
    }
    assert.equal((await box.api('/api/search?query=x', { key: null })).status, 401, 'anonymous callers have no mail of their own');
  });
});
