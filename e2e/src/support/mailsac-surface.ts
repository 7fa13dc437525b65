// The rest of Mailsac's surface through the official @mailsac/api client: bulk reservation, email
// validation and mailstats. Written once, run on the embedded store (mailsac-client-surface.test.ts) and
// on MongoDB (mongodb.test.ts), since mailstats are store queries of their own on each.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Mailsac } from '@mailsac/api';
import nodemailer from 'nodemailer';
import { ADMIN_API_KEY, ADMIN_USER, type CaptureboxProcess } from './capturebox-process';
import { MailsacSchemas } from './mailsac-schemas';

/** What the service under test must be started with. */
export const SURFACE_ENV = { CAPTUREBOX_DENYLIST: 'spam.test, 203.0.113.9' };

const PUBLIC_INBOX = 'stats-public@surface.test';
const STARRED_INBOX = 'stats-starred@surface.test';
const PRIVATE_ADDRESS = 'stats-private@surface.test';
const OWNED_DOMAIN = 'alice-owned.test';
const PUBLIC_CONTENT = 'the public attachment';
const SECRET_CONTENT = 'an attachment only private mail carries';
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

type ClientError = { response?: { status: number; data: unknown } };
const statusOf = (status: number) => (error: ClientError) => {
  assert.equal(error.response?.status, status, JSON.stringify(error.response?.data));
  return true;
};

export function describeMailsacSurface(name: string, startBox: () => Promise<CaptureboxProcess>): void {
  void describe(`@mailsac/api: addresses in bulk, validation and mailstats (${name})`, () => {
    let box: CaptureboxProcess;
    let alice: Mailsac<unknown>;
    let bob: Mailsac<unknown>;
    let admin: Mailsac<unknown>;
    const schemas = new MailsacSchemas();

    const clientWith = (key: string) => new Mailsac({ baseURL: `${box.baseUrl}/api`, headers: { 'Mailsac-Key': key } });

    async function createAccount(username: string): Promise<string> {
      const created = await box.api('/api/admin/accounts', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username }) });
      assert.equal(created.status, 201);
      return ((await created.json()) as { apiKey: string }).apiKey;
    }

    before(async () => {
      box = await startBox();
      admin = clientWith(ADMIN_API_KEY);
      alice = clientWith(await createAccount('alice'));
      bob = clientWith(await createAccount('bob'));
      await alice.addresses.createAddress(PRIVATE_ADDRESS, {});
      const domain = await box.api('/api/admin/accounts/alice/domains', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ domain: OWNED_DOMAIN }) });
      assert.equal(domain.status, 201);

      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false } });
      const sendMail = (to: string, from: string, content: string) =>
        transport.sendMail({ from, to, subject: `to ${to}`, text: 'hello', attachments: [{ filename: 'file.txt', content }] });
      await sendMail(PUBLIC_INBOX, 'public-sender@senders.test', PUBLIC_CONTENT);
      await sendMail(PUBLIC_INBOX, 'public-sender@senders.test', PUBLIC_CONTENT);
      await sendMail(STARRED_INBOX, 'secret-sender@senders.test', SECRET_CONTENT);
      await sendMail(PRIVATE_ADDRESS, 'secret-sender@senders.test', SECRET_CONTENT);
      await sendMail(`anyone@${OWNED_DOMAIN}`, 'secret-sender@senders.test', SECRET_CONTENT);
      transport.close();
      const { data: starred } = await admin.messages.listMessages(STARRED_INBOX, {});
      await admin.messages.toggleMessageStar(STARRED_INBOX, starred[0]._id as string);
    });
    after(async () => box?.dispose());

    test('createAddresses reserves all the addresses, or none of them', async () => {
      const wanted = ['bulk-1@surface.test', 'Bulk-2@surface.test'];
      const { data: reserved } = await alice.addresses.createAddresses({ addresses: wanted });
      schemas.assertValid('EmailAddressList', reserved);
      assert.deepEqual(reserved.map((address) => address._id), ['bulk-1@surface.test', 'bulk-2@surface.test']);
      const { data: listed } = await alice.addresses.listAddresses();
      assert.ok(['bulk-1@surface.test', 'bulk-2@surface.test'].every((address) => listed.some((a) => a._id === address)));

      // One address of another account: nothing is reserved, not even the free one before it.
      await assert.rejects(bob.addresses.createAddresses({ addresses: ['bulk-free@surface.test', 'bulk-1@surface.test'] }), statusOf(401));
      await assert.rejects(bob.addresses.createAddresses({ addresses: ['bulk-free@surface.test', `x@${OWNED_DOMAIN}`] }), statusOf(401));
      await assert.rejects(alice.addresses.createAddresses({ addresses: ['bulk-free@surface.test', 'bulk-2@surface.test'] }), statusOf(400));
      const { data: free } = await bob.addresses.checkAvailability('bulk-free@surface.test');
      assert.equal(free.available, true);

      await assert.rejects(bob.addresses.createAddresses({ addresses: ['twice@surface.test', 'TWICE@surface.test'] }), statusOf(400));
      await assert.rejects(bob.addresses.createAddresses({ addresses: Array.from({ length: 101 }, (_, i) => `many-${i}@surface.test`) }), statusOf(400));
      await assert.rejects(bob.addresses.createAddresses({ addresses: ['not an address'] }), statusOf(400));
      await assert.rejects(bob.addresses.createAddresses({}), statusOf(400));
    });

    test('validateAddress and validateAddressesBulk: format, disposable domains, ownership without the owner', async () => {
      const { data: disposable } = await bob.emailValidation.validateAddress('someone@mx.mailinator.com');
      schemas.assertValid('EmailAddressIntegrity', disposable);
      assert.deepEqual(disposable, {
        email: 'someone@mx.mailinator.com',
        validFormat: true,
        local: 'someone',
        domain: 'mx.mailinator.com',
        isDisposable: true,
        disposableDomains: ['mailinator.com'],
        aliases: [],
        owned: false,
        ownedByCaller: false,
      });

      const { data: bulk } = await bob.emailValidation.validateAddressesBulk({ emails: ['Someone@Example.com', 'no-at-sign', PRIVATE_ADDRESS, `x@${OWNED_DOMAIN}`] });
      // The schema's `email` has format email, which the answer about a malformed address cannot meet.
      schemas.assertValid('EmailAddressIntegrityList', bulk.filter((entry) => entry.validFormat));
      assert.deepEqual(
        bulk.map((entry) => [entry.email, entry.validFormat, entry.isDisposable, (entry as { owned?: boolean }).owned]),
        [
          ['Someone@Example.com', true, false, false],
          ['no-at-sign', false, false, undefined],
          [PRIVATE_ADDRESS, true, false, true],
          [`x@${OWNED_DOMAIN}`, true, false, true],
        ],
      );
      assert.doesNotMatch(JSON.stringify(bulk), /"owner"|acct_/, "bob learns that it is owned, not by whom");
      const { data: own } = await alice.emailValidation.validateAddress(PRIVATE_ADDRESS);
      assert.equal((own as { ownedByCaller?: boolean }).ownedByCaller, true);

      await assert.rejects(bob.emailValidation.validateAddressesBulk({ emails: Array.from({ length: 51 }, (_, i) => `v${i}@surface.test`) }), statusOf(400));
    });

    test('mailstats count public mail only, even for an admin: never starred mail, private addresses or custom domains', async () => {
      for (const client of [bob, alice, admin]) {
        const range = { startDate: '2000-01-01T00:00:00.000Z', endDate: '2100-01-01T00:00:00.000Z', limit: 1000 };
        const { data: common } = await client.attachments.listPublicAttachments(range as never);
        for (const row of common) schemas.assertValid('commonAttachments', row);
        assert.deepEqual(common.filter((row) => row._id === md5(PUBLIC_CONTENT)), [{ _id: md5(PUBLIC_CONTENT), n: 2 }]);
        assert.ok(!common.some((row) => row._id === md5(SECRET_CONTENT)), 'private mail in common attachments');

        assert.deepEqual((await client.attachments.countPublicAttachments(md5(PUBLIC_CONTENT))).data, { n: 2 });
        assert.deepEqual((await client.attachments.countPublicAttachments(md5(SECRET_CONTENT))).data, { n: 0 });

        const { data: carrying } = await client.attachments.listMessagesForAttachment(md5(PUBLIC_CONTENT));
        assert.ok(Array.isArray(carrying));
        for (const message of carrying as unknown[]) schemas.assertValid('EmailMessage', message);
        assert.deepEqual((carrying as unknown as Array<{ inbox: string }>).map((message) => message.inbox), [PUBLIC_INBOX, PUBLIC_INBOX]);
        assert.deepEqual((await client.attachments.listMessagesForAttachment(md5(SECRET_CONTENT))).data, []);

        const { data: file } = await client.attachments.downloadPublicAttachment(md5(PUBLIC_CONTENT), { format: 'text' });
        assert.equal(file, PUBLIC_CONTENT);
        await assert.rejects(client.attachments.downloadPublicAttachment(md5(SECRET_CONTENT)), statusOf(404));

        const all = { limit: 1000 } as never;
        const { data: addresses } = await client.messageStats.listTopPublicAddresses(all);
        schemas.assertValidResponseItems('/mailstats/top-addresses', addresses);
        assert.deepEqual((addresses as unknown as Array<{ _id: string; n: number }>).filter((row) => row._id.endsWith('@surface.test') || row._id.endsWith(OWNED_DOMAIN)), [{ _id: PUBLIC_INBOX, n: 2 }]);
        const { data: senders } = await client.messageStats.listTopPublicSenders(all);
        schemas.assertValidResponseItems('/mailstats/top-senders', senders);
        assert.deepEqual((senders as unknown as Array<{ _id: string; n: number }>).filter((row) => row._id.endsWith('@senders.test')), [{ _id: 'public-sender@senders.test', n: 2 }]);
        const { data: domains } = await client.messageStats.listTopPublicDomains(all);
        schemas.assertValidResponseItems('/mailstats/top-domains', domains);
        const domainRows = domains as unknown as Array<{ _id: string; n: number }>;
        assert.deepEqual(domainRows.filter((row) => row._id === 'surface.test'), [{ _id: 'surface.test', n: 2 }]);
        assert.ok(!domainRows.some((row) => row._id === OWNED_DOMAIN), 'a custom domain in top domains');
      }
      const { data: page } = await bob.messageStats.listTopPublicAddresses({ skip: 0, limit: 1 } as never);
      assert.equal((page as unknown as unknown[]).length, 1);
      await assert.rejects(bob.attachments.listPublicAttachments({} as never), statusOf(400), 'startDate and endDate are required');
      await assert.rejects(bob.attachments.countPublicAttachments('not-an-md5'), statusOf(400));
    });

    test('the deny-list is the configured one; nothing is looked up in DNS', async () => {
      const { data: list } = await bob.messageStats.denylist();
      schemas.assertValidResponse('/mailstats/blacklist', list);
      assert.deepEqual(list, ['spam.test', '203.0.113.9']);
      for (const [entry, listed] of [['spam.test', true], ['mx.SPAM.test', true], ['203.0.113.9', true], ['gmail.com', false], ['203.0.113.10', false]] as const) {
        const { data } = await bob.messageStats.checkDenylist(entry);
        schemas.assertValidResponse('/mailstats/blacklist/{domainOrIP}', data);
        assert.deepEqual(data, { blacklisted: listed }, entry);
      }
    });

    test('every route here wants a key', async () => {
      for (const path of ['/api/mailstats/top-addresses', '/api/mailstats/blacklist', `/api/validations/addresses/${PUBLIC_INBOX}`]) {
        assert.equal((await box.api(path, { key: null })).status, 401, path);
      }
    });
  });
}
