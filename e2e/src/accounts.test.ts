// Accounts end to end: SMTP login by an owned address, captured-mail privacy, message limits, usage,
// slowed-down key guessing, the CLI, and the official client's account/addresses/domains methods.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Mailsac } from '@mailsac/api';
import nodemailer from 'nodemailer';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';
import { MailsacSchemas } from './support/mailsac-schemas';

const run = promisify(execFile);
const CLI = resolve(__dirname, '../../apps/capture/dist/cli.js');

describe('accounts', () => {
  let box: CaptureboxProcess;
  const schemas = new MailsacSchemas();

  const admin = (path: string, method = 'GET', body?: unknown) =>
    box.api(path, { method, ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }) });

  async function createAccount(username: string, settings: Record<string, unknown> = {}): Promise<{ id: string; key: string }> {
    const response = await admin('/api/admin/accounts', 'POST', { username, ...settings });
    assert.equal(response.status, 201, await response.clone().text());
    const body = (await response.json()) as { account: { _id: string }; apiKey: string };
    return { id: body.account._id, key: body.apiKey };
  }

  function smtp(user: string, pass: string) {
    return nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth: { user, pass }, tls: { rejectUnauthorized: false } });
  }

  before(async () => {
    box = await CaptureboxProcess.start();
  });
  after(async () => box.dispose());

  test('an SMTP client that forces the username to its From address logs in with the account key; the mail is private', async () => {
    const carol = await createAccount('carol');
    assert.equal((await box.api('/api/addresses/noreply@carol-app.test', { method: 'POST', key: carol.key })).status, 200);
    const transport = smtp('noreply@carol-app.test', carol.key);
    const info = await transport.sendMail({ from: 'noreply@carol-app.test', to: 'noreply@carol-app.test', subject: 'login by address', text: 'hi' });
    transport.close();
    assert.match(info.response, /^250 OK : queued as /);
    const asCarol = (await (await box.api('/api/addresses/noreply@carol-app.test/messages', { key: carol.key })).json()) as Array<{ subject: string }>;
    assert.deepEqual(asCarol.map((m) => m.subject), ['login by address']);
    const anonymous = (await (await box.api('/api/addresses/noreply@carol-app.test/messages', { key: null })).json()) as unknown[];
    assert.deepEqual(anonymous, [], 'private inbox looks empty to others');

    const wrong = smtp('someone-else@carol-app.test', carol.key);
    await assert.rejects(wrong.sendMail({ from: 'x@example.com', to: 'y@example.com', subject: 'no', text: 'no' }), (e: { responseCode?: number }) => e.responseCode === 535);
    wrong.close();
  });

  test('capturePrivate stars everything captured through the account and hides it from anonymous readers', async () => {
    const dave = await createAccount('dave', { capturePrivate: true });
    const transport = smtp('dave', dave.key);
    const info = await transport.sendMail({ from: 'app@example.com', to: 'public-looking@example.com', subject: 'captured privately', text: 'secret' });
    transport.close();
    const id = `${/queued as (\S+)$/.exec(info.response)![1]}-0`;
    const mine = (await (await box.api(`/api/addresses/public-looking@example.com/messages/${id}`, { key: dave.key })).json()) as { savedBy: string };
    assert.equal(mine.savedBy, dave.id);
    assert.equal((await box.api(`/api/addresses/public-looking@example.com/messages/${id}`, { key: null })).status, 404);
    assert.equal((await box.api(`/api/raw/public-looking@example.com/${id}`, { key: null })).status, 404);
    const list = await (await box.api('/api/addresses/public-looking@example.com/messages', { key: null })).text();
    assert.ok(!list.includes(id) && !list.includes('captured privately'));
    const starred = (await (await box.api('/api/addresses/starred/messages', { key: dave.key })).json()) as Array<{ _id: string }>;
    assert.deepEqual(starred.map((m) => m._id), [id]);
    const stats = (await (await box.api('/api/me/stats', { key: dave.key })).json()) as Record<string, unknown>;
    schemas.assertValid('CurrentUserStats', stats);
    assert.equal(stats.starredMessages, 1);
    const me = (await (await box.api('/api/me', { key: dave.key })).json()) as { moAPICount: number; capturePrivate: boolean };
    assert.equal(me.capturePrivate, true);
    assert.equal(me.moAPICount, 1, 'each captured message counts as one operation');
  });

  test('an account over its messageLimit gets 452 for more private mail, and nothing is stored', async () => {
    const erin = await createAccount('erin', { messageLimit: 2 });
    assert.equal((await box.api('/api/addresses/full@erin.test', { method: 'POST', key: erin.key })).status, 200);
    const transport = smtp(ADMIN_USER, ADMIN_API_KEY);
    for (const n of [1, 2]) await transport.sendMail({ from: 'a@example.com', to: 'full@erin.test', subject: `fits ${n}`, text: '.' });
    await assert.rejects(transport.sendMail({ from: 'a@example.com', to: 'full@erin.test', subject: 'one too many', text: '.' }), (e: { responseCode?: number; response?: string }) => {
      assert.equal(e.responseCode, 452, e.response);
      assert.match(e.response ?? '', /message limit/);
      return true;
    });
    // Public mail is not limited by anyone's account.
    await transport.sendMail({ from: 'a@example.com', to: 'public@erin-public.test', subject: 'public', text: '.' });
    transport.close();
    const count = (await (await box.api('/api/addresses/full@erin.test/message-count', { key: erin.key })).json()) as { count: number };
    assert.equal(count.count, 2);
  });

  test('a revoked key and a deleted account stop working at once', async () => {
    const heidi = await createAccount('heidi');
    assert.equal((await box.api('/api/me', { key: heidi.key })).status, 200);
    const extra = (await (await admin('/api/admin/accounts/heidi/keys', 'POST', { label: 'second' })).json()) as { keyId: string; apiKey: string };
    assert.equal((await box.api('/api/me', { key: extra.apiKey })).status, 200);
    assert.equal((await admin(`/api/admin/accounts/heidi/keys/${extra.keyId}`, 'DELETE')).status, 200);
    assert.equal((await box.api('/api/me', { key: extra.apiKey })).status, 401);
    assert.equal((await box.api('/api/me', { key: heidi.key })).status, 200, 'the other key still works');
    assert.equal((await admin('/api/admin/accounts/heidi', 'DELETE')).status, 200);
    assert.equal((await box.api('/api/me', { key: heidi.key })).status, 401);
  });

  test('repeated unknown API keys from one client are answered ever more slowly', async () => {
    const started: number[] = [];
    for (let n = 0; n < 6; n++) {
      const t0 = Date.now();
      assert.equal((await box.api('/api/me', { key: `cbx_guess_${n}_xxxxxxxxxxxxxxxx` })).status, 401);
      started.push(Date.now() - t0);
    }
    // The throttle holds the 3rd failure 250 ms, the 4th 500 ms, ... (a floor, never a ceiling).
    assert.ok(started[5] >= 1500, `6th failure answered after ${started[5]} ms`);
    assert.equal((await box.api('/api/me')).status, 200, 'a good key is never slowed down');
  });

  test('the CLI creates accounts and keys on the same store the running service uses', async () => {
    const env = { PATH: process.env.PATH ?? '', CAPTUREBOX_DATA_DIR: box.dataDir, CAPTUREBOX_ADMIN_API_KEY: ADMIN_API_KEY, CAPTUREBOX_ADMIN_USER: ADMIN_USER };
    const { stdout } = await run(process.execPath, [CLI, 'accounts', 'create', 'frank', '--message-limit', '50'], { env });
    const created = JSON.parse(stdout) as { account: { id: string; messageLimit: number }; apiKey: string };
    assert.equal(created.account.messageLimit, 50);
    const me = await box.api('/api/me', { key: created.apiKey });
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { _id: string })._id, 'frank');
    const listed = JSON.parse((await run(process.execPath, [CLI, 'accounts', 'list'], { env })).stdout) as Array<{ username: string }>;
    assert.ok(listed.some((a) => a.username === 'frank'));
    await assert.rejects(run(process.execPath, [CLI, 'accounts', 'create', 'frank'], { env }), /already|taken|exists/i);
    // Domains are checked where they are claimed, so the CLI and the admin API refuse the same bad names.
    await assert.rejects(run(process.execPath, [CLI, 'domains', 'add', 'frank', 'not a domain'], { env }), /Invalid domain/);
    const badDomain = await admin('/api/admin/accounts/frank/domains', 'POST', { domain: '[127.0.0.1]' });
    assert.equal(badDomain.status, 400);
    assert.match(((await badDomain.json()) as { message: string }).message, /Invalid domain/);
    assert.match((await run(process.execPath, [CLI, 'domains', 'add', 'frank', 'Frank.Test'], { env })).stdout, /"result": "claimed"/);
  });

  test("@mailsac/api's account, addresses and domains methods work, with Mailsac's schemas", async () => {
    const grace = await createAccount('grace');
    assert.equal((await admin('/api/admin/accounts/grace/domains', 'POST', { domain: 'grace.test' })).status, 201);
    const client = new Mailsac({ baseURL: `${box.baseUrl}/api`, headers: { 'Mailsac-Key': grace.key } });

    const { data: user } = await client.account.user();
    schemas.assertValid('CurrentUserInfo', user);
    const { data: stats } = await client.account.accountStats({});
    schemas.assertValid('CurrentUserStats', stats);
    assert.deepEqual(stats.domains, ['grace.test']);

    const { data: availability } = await client.addresses.checkAvailability('inbox@grace-free.test');
    schemas.assertValid('EmailAddressAvailability', availability);
    assert.equal(availability.available, true);
    const { data: created } = await client.addresses.createAddress('inbox@grace-free.test', {});
    schemas.assertValid('EmailAddress', created);
    assert.equal(created._id, 'inbox@grace-free.test');
    const { data: listed } = await client.addresses.listAddresses();
    schemas.assertValid('EmailAddressList', listed);
    assert.deepEqual(listed.map((a) => a._id), ['inbox@grace-free.test']);
    const { data: got } = await client.addresses.getAddress('inbox@grace-free.test');
    schemas.assertValid('EmailAddress', got);
    await client.addresses.updateAddress('inbox@grace-free.test', { info: 'for the signup tests' });
    assert.equal((await client.addresses.getAddress('inbox@grace-free.test')).data.info, 'for the signup tests');
    const { data: taken } = await client.addresses.checkAvailability('inbox@grace-free.test');
    assert.equal(taken.owned, true);
    await client.addresses.deleteAddress('inbox@grace-free.test', {});
    assert.deepEqual((await client.addresses.listAddresses()).data, []);

    const { data: domains } = await client.domains.listDomains();
    schemas.assertValid('DomainsList', domains);
    assert.deepEqual(domains.map((d) => d._id), ['grace.test']);
    const { data: domain } = await client.domains.getDomain('grace.test');
    assert.equal((domain as { domain: { _id: string } }).domain._id, 'grace.test');

    const transport = smtp(ADMIN_USER, ADMIN_API_KEY);
    await transport.sendMail({ from: 'a@example.com', to: 'anyone@grace.test', subject: 'to the domain', text: '.' });
    transport.close();
    const { data: domainMessages } = await client.messages.listDomainMessages('grace.test', {});
    schemas.assertValid('EmailMessageList', domainMessages);
    assert.deepEqual(domainMessages.map((m) => m.subject), ['to the domain']);
    const deleted = await client.messages.deleteAllDomainMessages('grace.test');
    assert.equal(deleted.status, 204);
    assert.deepEqual((await client.messages.listDomainMessages('grace.test', {})).data, []);
  });
});
