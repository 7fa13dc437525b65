// Every API route x {anonymous, owner, other account, admin} x {public, starred, private-address,
// custom-domain message}: the exact status, and no private message's content or id in the response of
// a caller who may not see it. A route the app declares without an entry here fails the test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { declaredRoutes } from './support/app-routes';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';

type Caller = 'anonymous' | 'owner' | 'other' | 'admin';
type Kind = 'public' | 'starred' | 'privateAddress' | 'customDomain';
const CALLERS: Caller[] = ['anonymous', 'owner', 'other', 'admin'];
const KINDS: Kind[] = ['public', 'starred', 'privateAddress', 'customDomain'];
const PRIVATE_ADDRESS = 'alice.private@matrix.test';
const OWNER_DOMAIN = 'alice-corp.test';
const PURGE_DOMAIN = 'alice-purge.test';

interface Sent {
  email: string;
  id: string;
  md5: string;
  marker: string;
}

/** Statuses per caller; `kinds` gives message routes a row per kind. */
type Expect = Record<Caller, number>;
const READ: Record<Kind, Expect> = {
  public: { anonymous: 200, owner: 200, other: 200, admin: 200 },
  starred: { anonymous: 404, owner: 200, other: 404, admin: 200 },
  privateAddress: { anonymous: 404, owner: 200, other: 404, admin: 200 },
  customDomain: { anonymous: 404, owner: 200, other: 404, admin: 200 },
};
const CHANGE: Record<Kind, Expect> = {
  public: { anonymous: 401, owner: 200, other: 200, admin: 200 },
  starred: { anonymous: 401, owner: 200, other: 404, admin: 200 },
  privateAddress: { anonymous: 401, owner: 200, other: 404, admin: 200 },
  customDomain: { anonymous: 401, owner: 200, other: 404, admin: 200 },
};
/** Who may see a kind's content at all (everyone else must never get its marker or id). */
const MAY_SEE: Record<Kind, Caller[]> = {
  public: CALLERS,
  starred: ['owner', 'admin'],
  privateAddress: ['owner', 'admin'],
  customDomain: ['owner', 'admin'],
};

describe('authorization matrix', () => {
  let box: CaptureboxProcess;
  const keys: Record<Caller, string | null> = { anonymous: null, owner: '', other: '', admin: ADMIN_API_KEY };
  let shared: Record<Kind, Sent>;
  let serial = 0;
  const covered = new Set<string>();
  const leaks: string[] = [];

  async function call(caller: Caller, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const response = await box.api(path, {
      method,
      key: keys[caller],
      ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: response.status, text: await response.text() };
  }

  /** Sends one message of each kind (the starred one starred by the owner); unique markers per set. */
  async function sendSet(): Promise<Record<Kind, Sent>> {
    const tag = `m${++serial}`;
    const recipients: Record<Kind, string> = {
      public: `pub-${tag}@matrix.test`,
      starred: `star-${tag}@matrix.test`,
      privateAddress: PRIVATE_ADDRESS,
      customDomain: `box-${tag}@${OWNER_DOMAIN}`,
    };
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false } });
    const set = {} as Record<Kind, Sent>;
    for (const kind of KINDS) {
      const marker = `MARK-${tag}-${kind}`;
      const info = await transport.sendMail({
        from: 'sender@example.com',
        to: recipients[kind],
        subject: marker,
        text: `${marker} body`,
        attachments: [{ filename: `${marker}.txt`, content: `attachment of ${marker}` }],
      });
      const id = `${/queued as (\S+)$/.exec(info.response)![1]}-0`;
      const meta = (await (await box.api(`/api/addresses/${recipients[kind]}/messages/${id}`)).json()) as { attachments: string[] };
      set[kind] = { email: recipients[kind], id, md5: meta.attachments[0], marker };
    }
    transport.close();
    assert.equal((await call('owner', 'PUT', `/api/addresses/${set.starred.email}/messages/${set.starred.id}/star`)).status, 200);
    return set;
  }

  /** Records a leak when `caller` got content of a message kind it may not see. */
  function checkNoLeak(caller: Caller, set: Record<Kind, Sent>, text: string, where: string): void {
    for (const kind of KINDS) {
      if (MAY_SEE[kind].includes(caller)) continue;
      if (text.includes(set[kind].marker) || text.includes(set[kind].id)) leaks.push(`${where} as ${caller} shows the ${kind} message`);
    }
  }

  async function expectStatus(caller: Caller, method: string, route: string, path: string, expected: number, set = shared, body?: unknown) {
    covered.add(`${method} ${route}`);
    const { status, text } = await call(caller, method, path, body);
    assert.equal(status, expected, `${method} ${path} as ${caller}: ${text.slice(0, 200)}`);
    checkNoLeak(caller, set, text, `${method} ${path}`);
    return text;
  }

  before(async () => {
    box = await CaptureboxProcess.start();
    for (const [caller, username] of [['owner', 'alice'], ['other', 'bob']] as const) {
      const created = await box.api('/api/admin/accounts', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username }) });
      assert.equal(created.status, 201, await created.clone().text());
      keys[caller] = ((await created.json()) as { apiKey: string }).apiKey;
    }
    assert.equal((await call('owner', 'POST', `/api/addresses/${PRIVATE_ADDRESS}`)).status, 200);
    for (const domain of [OWNER_DOMAIN, PURGE_DOMAIN]) {
      const added = await box.api('/api/admin/accounts/alice/domains', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ domain }) });
      assert.equal(added.status, 201);
    }
    shared = await sendSet();
  });
  after(async () => box?.dispose());

  const messageRoute = (route: string, set: Sent, extra: Record<string, string> = {}) =>
    route
      .replace(':email', set.email)
      .replace(':id', set.id)
      .replace(':attachment', set.md5)
      .replace(':label', 'matrix-label')
      .replace(':folder', 'spam')
      .replace(':read', 'true')
      .replace(/:(\w+)/g, (_, name: string) => extra[name] ?? `:${name}`);

  const READ_ROUTES = [
    '/api/addresses/:email/messages/:id',
    '/api/addresses/:email/messages/:id/headers',
    '/api/addresses/:email/messages/:id/attachments',
    '/api/addresses/:email/messages/:id/attachments/:attachment',
    '/api/addresses/:email/messages/:id/codes',
    '/api/addresses/:email/messages/:id/checks/spam',
    '/api/addresses/:email/messages/:id/checks/html',
    '/api/addresses/:email/messages/:id/checks/links',
    '/api/raw/:email/:id',
    '/api/text/:email/:id',
    '/api/body/:email/:id',
    '/api/dirty/:email/:id',
  ];
  const CHANGE_ROUTES: Array<[string, string]> = [
    ['PUT', '/api/addresses/:email/messages/:id/star'],
    ['PUT', '/api/addresses/:email/messages/:id/labels/:label'],
    ['DELETE', '/api/addresses/:email/messages/:id/labels/:label'],
    ['PUT', '/api/addresses/:email/messages/:id/folder/:folder'],
    ['PUT', '/api/addresses/:email/messages/:id/read/:read'],
    ['DELETE', '/api/addresses/:email/messages/:id'],
  ];

  test('reading one message', async () => {
    for (const route of READ_ROUTES) {
      for (const kind of KINDS) {
        for (const caller of CALLERS) await expectStatus(caller, 'GET', route, messageRoute(route, shared[kind]), READ[kind][caller]);
      }
    }
  });

  test('changing one message (a fresh message for every cell)', async () => {
    for (const [method, route] of CHANGE_ROUTES) {
      for (const caller of CALLERS) {
        const set = await sendSet();
        for (const kind of KINDS) await expectStatus(caller, method, route, messageRoute(route, set[kind]), CHANGE[kind][caller], set);
      }
    }
  });

  // Before the inbox test below, which clears the private address's inbox.
  test("account-wide reading, search and waits show a caller only its own mail, not even as a count", async () => {
    // What /api/inbox calls the caller's own: its private addresses, its domains and its stars; an admin's is all.
    const OWN: Record<Caller, Kind[]> = { anonymous: [], owner: ['starred', 'privateAddress', 'customDomain'], other: [], admin: KINDS };
    const accountWide: Array<[string, string]> = [
      ['/api/inbox', '/api/inbox?limit=1000'],
      ['/api/inbox-filter', '/api/inbox-filter?andSubjectIncludes=MARK-'],
      ['/api/inbox-search', '/api/inbox-search?query=MARK-'],
      ['/api/search', '/api/search?query=subject:MARK-&limit=1000'],
    ];
    for (const caller of CALLERS) {
      for (const [route, path] of accountWide) {
        const text = await expectStatus(caller, 'GET', route, path, caller === 'anonymous' ? 401 : 200);
        for (const kind of KINDS) {
          if (caller !== 'anonymous') assert.equal(text.includes(shared[kind].id), OWN[caller].includes(kind), `${path} as ${caller}: the ${kind} message`);
        }
        if (route === '/api/search' && caller !== 'anonymous') {
          const { messages, total } = JSON.parse(text) as { messages: unknown[]; total: number };
          assert.equal(total, messages.length, `the search total as ${caller} counts only the mail found`);
        }
        if (route === '/api/inbox' && caller !== 'anonymous') {
          const { messages, unread } = JSON.parse(text) as { messages: Array<{ read: boolean }>; unread: number };
          assert.equal(unread, messages.filter((message) => !message.read).length, `the unread count as ${caller} counts only the mail listed`);
        }
      }
      await expectStatus(caller, 'GET', '/api/wait/cursor', '/api/wait/cursor', 200);
      for (const kind of KINDS) {
        const own = OWN[caller].includes(kind);
        await expectStatus(caller, 'GET', '/api/wait', `/api/wait?subject=${shared[kind].marker}&timeout=0`, caller === 'anonymous' ? 401 : own ? 200 : 204);
        await expectStatus(caller, 'GET', '/api/addresses/:email/wait', `/api/addresses/${shared[kind].email}/wait?subject=${shared[kind].marker}&timeout=0`, READ[kind][caller] === 200 ? 200 : 204);
        // The body's words, through the full-text index: the same scope, so the same answer.
        const words = encodeURIComponent(`"${shared[kind].marker} body"`);
        const found = await expectStatus(caller, 'GET', '/api/search', `/api/search?query=${words}`, caller === 'anonymous' ? 401 : 200);
        if (caller !== 'anonymous') assert.deepEqual(JSON.parse(found).total, own ? 1 : 0, `a words search for the ${kind} message as ${caller}`);
        await expectStatus(caller, 'GET', '/api/wait', `/api/wait?query=${words}&timeout=0`, caller === 'anonymous' ? 401 : own ? 200 : 204);
        const listed = await expectStatus(caller, 'GET', '/api/addresses/:email/messages', `/api/addresses/${shared[kind].email}/messages?query=${words}`, 200);
        assert.equal(listed.includes(shared[kind].id), READ[kind][caller] === 200, `an inbox listing searched for the ${kind} message as ${caller}`);
      }
    }
  });

  test('inboxes: listing and counting show only what the caller may see; deleting never reaches private mail', async () => {
    for (const kind of KINDS) {
      for (const caller of CALLERS) {
        const list = await expectStatus(caller, 'GET', '/api/addresses/:email/messages', `/api/addresses/${shared[kind].email}/messages?limit=1000`, 200);
        assert.equal(list.includes(shared[kind].id), MAY_SEE[kind].includes(caller), `list of ${kind} as ${caller}`);
        const count = JSON.parse(await expectStatus(caller, 'GET', '/api/addresses/:email/message-count', `/api/addresses/${shared[kind].email}/message-count`, 200)) as { count: number };
        if (!MAY_SEE[kind].includes(caller)) assert.equal(count.count, 0, `count of ${kind} as ${caller}`);
      }
    }
    for (const caller of CALLERS) {
      const set = await sendSet();
      for (const kind of KINDS) {
        await expectStatus(caller, 'DELETE', '/api/addresses/:email/messages', `/api/addresses/${set[kind].email}/messages`, caller === 'anonymous' ? 401 : 204, set);
        const still = await call('admin', 'GET', `/api/addresses/${set[kind].email}/messages/${set[kind].id}`);
        // Starred mail survives inbox deletion (Mailsac); private mail survives a caller who may not see it.
        const survives = caller === 'anonymous' || kind === 'starred' || !MAY_SEE[kind].includes(caller);
        assert.equal(still.status, survives ? 200 : 404, `${kind} after DELETE inbox as ${caller}`);
      }
    }
    for (const caller of CALLERS) {
      const starred = await expectStatus(caller, 'GET', '/api/addresses/starred/messages', '/api/addresses/starred/messages?limit=1000', caller === 'anonymous' ? 401 : 200);
      assert.equal(starred.includes(shared.starred.id), caller === 'owner', `starred list as ${caller}`);
    }
  });

  test('account, private addresses and custom domains', async () => {
    const byCaller = (anonymous: number, owner: number, other: number, admin: number): Expect => ({ anonymous, owner, other, admin });
    const simple: Array<[string, string, string, Expect]> = [
      ['GET', '/api/me', '/api/me', byCaller(401, 200, 200, 200)],
      ['GET', '/api/me/stats', '/api/me/stats', byCaller(401, 200, 200, 200)],
      ['GET', '/api/addresses', '/api/addresses', byCaller(401, 200, 200, 200)],
      ['GET', '/api/addresses/:email', `/api/addresses/${PRIVATE_ADDRESS}`, byCaller(401, 200, 401, 200)],
      ['GET', '/api/addresses/:email/availability', `/api/addresses/${PRIVATE_ADDRESS}/availability`, byCaller(200, 200, 200, 200)],
      ['GET', '/api/openapi.json', '/api/openapi.json', byCaller(200, 200, 200, 200)],
      ['PUT', '/api/addresses/:email', `/api/addresses/${PRIVATE_ADDRESS}`, byCaller(401, 200, 401, 401)],
      ['GET', '/api/domains', '/api/domains', byCaller(401, 200, 200, 200)],
      ['GET', '/api/domains/:domain', `/api/domains/${OWNER_DOMAIN}`, byCaller(401, 200, 404, 200)],
      ['GET', '/api/domains/:domain/messages', `/api/domains/${OWNER_DOMAIN}/messages`, byCaller(401, 200, 404, 200)],
    ];
    for (const [method, route, path, expected] of simple) {
      for (const caller of CALLERS) {
        const text = await expectStatus(caller, method, route, path, expected[caller], shared, method === 'PUT' ? { info: 'matrix' } : undefined);
        if (caller === 'other' || caller === 'anonymous') assert.ok(!text.includes(PRIVATE_ADDRESS) || route.endsWith('availability'), `${route} as ${caller} names alice's address`);
      }
    }
    for (const caller of CALLERS) {
      const address = `reserve-${caller}@matrix.test`;
      await expectStatus(caller, 'POST', '/api/addresses/:email', `/api/addresses/${address}`, caller === 'anonymous' ? 401 : 200);
      await expectStatus(caller, 'POST', '/api/addresses/:email', `/api/addresses/${PRIVATE_ADDRESS}`, { anonymous: 401, owner: 400, other: 401, admin: 401 }[caller]);
      // Nobody but alice may release her address (alice releases her own fresh one below instead).
      if (caller !== 'owner') await expectStatus(caller, 'DELETE', '/api/addresses/:email', `/api/addresses/${PRIVATE_ADDRESS}`, 401);
      if (caller !== 'anonymous') await expectStatus(caller, 'DELETE', '/api/addresses/:email', `/api/addresses/${address}`, 200);
    }
    for (const caller of ['anonymous', 'other', 'owner', 'admin'] as Caller[]) {
      await expectStatus(caller, 'POST', '/api/domains/:domain/delete-all-domain-mail', `/api/domains/${PURGE_DOMAIN}/delete-all-domain-mail`, { anonymous: 401, other: 404, owner: 204, admin: 204 }[caller]);
    }
    // An account's own keys: each caller issues a fresh one; only its own account may revoke it (an admin too).
    for (const caller of CALLERS) await expectStatus(caller, 'GET', '/api/me/keys', '/api/me/keys', caller === 'anonymous' ? 401 : 200);
    await expectStatus('anonymous', 'POST', '/api/me/keys', '/api/me/keys', 401, shared, { label: 'matrix' });
    const fresh = JSON.parse(await expectStatus('owner', 'POST', '/api/me/keys', '/api/me/keys', 201, shared, { label: 'matrix' })) as { keyId: string };
    for (const caller of ['anonymous', 'other', 'admin', 'owner'] as Caller[]) {
      await expectStatus(caller, 'DELETE', '/api/me/keys/:keyId', `/api/me/keys/${fresh.keyId}`, { anonymous: 401, other: 404, admin: 404, owner: 200 }[caller]);
    }
  });

  test('mailstats show public mail only, to every caller (an admin and the owner too), never private mail, not even as a count', async () => {
    const authed = (caller: Caller, ok: number) => (caller === 'anonymous' ? 401 : ok);
    for (const caller of CALLERS) {
      for (const kind of KINDS) {
        const shown = kind === 'public' && caller !== 'anonymous';
        const { md5, id } = shared[kind];
        const count = await expectStatus(caller, 'GET', '/api/mailstats/common-attachments/:md5/count', `/api/mailstats/common-attachments/${md5}/count`, authed(caller, 200));
        if (caller !== 'anonymous') assert.deepEqual(JSON.parse(count), { n: kind === 'public' ? 1 : 0 }, `count of the ${kind} attachment as ${caller}`);
        const list = await expectStatus(caller, 'GET', '/api/mailstats/common-attachments/:md5', `/api/mailstats/common-attachments/${md5}`, authed(caller, 200));
        assert.equal(list.includes(id), shown, `messages with the ${kind} attachment as ${caller}`);
        await expectStatus(caller, 'GET', '/api/mailstats/common-attachments/:md5/download', `/api/mailstats/common-attachments/${md5}/download`, authed(caller, kind === 'public' ? 200 : 404));
      }
      const range = `startDate=2000-01-01T00:00:00Z&endDate=2100-01-01T00:00:00Z&limit=1000`;
      const common = await expectStatus(caller, 'GET', '/api/mailstats/common-attachments', `/api/mailstats/common-attachments?${range}`, authed(caller, 200));
      const addresses = await expectStatus(caller, 'GET', '/api/mailstats/top-addresses', '/api/mailstats/top-addresses?limit=1000', authed(caller, 200));
      const domains = await expectStatus(caller, 'GET', '/api/mailstats/top-domains', '/api/mailstats/top-domains?limit=1000', authed(caller, 200));
      await expectStatus(caller, 'GET', '/api/mailstats/top-senders', '/api/mailstats/top-senders?limit=1000', authed(caller, 200));
      if (caller === 'anonymous') continue;
      for (const kind of KINDS) {
        assert.equal(common.includes(shared[kind].md5), kind === 'public', `common attachments as ${caller}: the ${kind} one`);
        assert.equal(addresses.includes(shared[kind].email), kind === 'public', `top addresses as ${caller}: the ${kind} inbox`);
      }
      assert.ok(!domains.includes(OWNER_DOMAIN), `top domains as ${caller} name alice's domain`);
    }
    for (const caller of CALLERS) {
      await expectStatus(caller, 'GET', '/api/mailstats/blacklist', '/api/mailstats/blacklist', authed(caller, 200));
      await expectStatus(caller, 'GET', '/api/mailstats/blacklist/:domainOrIp', '/api/mailstats/blacklist/example.com', authed(caller, 200));
    }
  });

  test('validations tell whether an address is owned, never by whom; bulk reservation is all or nothing', async () => {
    for (const caller of CALLERS) {
      const one = await expectStatus(caller, 'GET', '/api/validations/addresses/:email', `/api/validations/addresses/${PRIVATE_ADDRESS}`, caller === 'anonymous' ? 401 : 200);
      const many = await expectStatus(caller, 'POST', '/api/validations/addresses', '/api/validations/addresses', caller === 'anonymous' ? 401 : 200, shared, { emails: [PRIVATE_ADDRESS, `x@${OWNER_DOMAIN}`] });
      if (caller === 'anonymous') continue;
      const [single] = [JSON.parse(one) as { owned: boolean; ownedByCaller: boolean }];
      assert.deepEqual([single.owned, single.ownedByCaller], [true, caller === 'owner'], `validation as ${caller}`);
      for (const text of [one, many]) assert.ok(!/"owner"|acct_/.test(text), `validation as ${caller} names the owner: ${text}`);
    }
    for (const caller of CALLERS) {
      const fresh = `bulk-${caller}@matrix.test`;
      await expectStatus(caller, 'POST', '/api/private-addresses-bulk', '/api/private-addresses-bulk', caller === 'anonymous' ? 401 : 200, shared, { addresses: [fresh] });
      // With alice's address among them, nothing is reserved (alice's own: 400; anyone else's: 401).
      const untouched = `bulk-untouched-${caller}@matrix.test`;
      await expectStatus(caller, 'POST', '/api/private-addresses-bulk', '/api/private-addresses-bulk', caller === 'owner' ? 400 : 401, shared, { addresses: [untouched, PRIVATE_ADDRESS] });
      const availability = JSON.parse((await call('admin', 'GET', `/api/addresses/${untouched}/availability`)).text) as { available: boolean };
      assert.equal(availability.available, true, `a refused bulk reservation as ${caller} reserved ${untouched}`);
    }
  });

  test('webhooks: only the owner (or an admin) creates, reads and deletes one and its delivery log; the secret reaches no one else', async () => {
    const hook = (target: string) => ({ kind: 'address', target, url: 'http://127.0.0.1:9/matrix' });
    // Only on what the account owns: alice's address; anyone else gets 403 (anonymous 401).
    for (const caller of CALLERS) {
      await expectStatus(caller, 'POST', '/api/webhooks', '/api/webhooks', { anonymous: 401, owner: 201, other: 403, admin: 403 }[caller], shared, hook(PRIVATE_ADDRESS));
    }
    const alice = (JSON.parse((await call('admin', 'GET', '/api/admin/accounts/alice')).text) as { _id: string })._id;
    await expectStatus('admin', 'POST', '/api/webhooks', '/api/webhooks', 201, shared, { ...hook(PRIVATE_ADDRESS), accountId: alice });
    await expectStatus('other', 'POST', '/api/webhooks', '/api/webhooks', 403, shared, { ...hook(PRIVATE_ADDRESS), accountId: alice });
    const alices = JSON.parse((await call('owner', 'GET', '/api/webhooks')).text) as Array<{ _id: string; secret: string }>;
    assert.equal(alices.length, 2);
    const [kept, doomed] = alices;
    for (const caller of CALLERS) {
      const listed = await expectStatus(caller, 'GET', '/api/webhooks', '/api/webhooks', caller === 'anonymous' ? 401 : 200);
      const got = await expectStatus(caller, 'GET', '/api/webhooks/:id', `/api/webhooks/${kept._id}`, { anonymous: 401, owner: 200, other: 404, admin: 200 }[caller]);
      const log = await expectStatus(caller, 'GET', '/api/webhooks/:id/deliveries', `/api/webhooks/${kept._id}/deliveries`, { anonymous: 401, owner: 200, other: 404, admin: 200 }[caller]);
      if (caller === 'other' || caller === 'anonymous') {
        for (const text of [listed, got, log]) assert.ok(!text.includes(kept.secret) && !text.includes(kept._id), `alice's webhook shown to ${caller}`);
      }
    }
    assert.match((await call('admin', 'GET', `/api/webhooks?accountId=${alice}`)).text, new RegExp(kept._id), 'an admin lists an account’s webhooks');
    for (const caller of ['anonymous', 'other', 'owner', 'admin'] as Caller[]) {
      await expectStatus(caller, 'DELETE', '/api/webhooks/:id', `/api/webhooks/${doomed._id}`, { anonymous: 401, other: 404, owner: 200, admin: 404 }[caller]);
    }
  });

  test('the admin API answers admins only', async () => {
    const json = (body: unknown) => body;
    const routes: Array<[string, string, (n: number) => Promise<string>, (n: number) => unknown, number]> = [
      ['GET', '/api/admin/accounts', async () => '/api/admin/accounts', () => undefined, 200],
      ['POST', '/api/admin/accounts', async () => '/api/admin/accounts', (n) => json({ username: `made-${n}` }), 201],
      ['GET', '/api/admin/accounts/:account', async () => '/api/admin/accounts/alice', () => undefined, 200],
      ['PUT', '/api/admin/accounts/:account', async () => '/api/admin/accounts/bob', () => json({ messageLimit: 5000 }), 200],
      ['DELETE', '/api/admin/accounts/:account', async (n) => `/api/admin/accounts/${await throwaway(`gone-${n}`)}`, () => undefined, 200],
      ['POST', '/api/admin/accounts/:account/keys', async () => '/api/admin/accounts/bob/keys', () => json({ label: 'matrix' }), 201],
      ['DELETE', '/api/admin/accounts/:account/keys/:keyId', async (n) => `/api/admin/accounts/bob/keys/${await extraKey(n)}`, () => undefined, 200],
      ['POST', '/api/admin/accounts/:account/domains', async () => '/api/admin/accounts/bob/domains', (n) => json({ domain: `bob-${n}.test` }), 201],
      ['DELETE', '/api/admin/accounts/:account/domains/:domain', async (n) => `/api/admin/accounts/bob/domains/${await extraDomain(n)}`, () => undefined, 200],
      ['GET', '/api/admin/chaos', async () => '/api/admin/chaos', () => undefined, 200],
      ['POST', '/api/admin/chaos', async () => '/api/admin/chaos', () => json({ kind: 'delay', stage: 'rcpt', delayMs: 1, scope: { address: 'nobody@matrix.test' } }), 201],
      ['DELETE', '/api/admin/chaos/:id', async (n) => `/api/admin/chaos/${await extraChaosRule(n)}`, () => undefined, 200],
      ['DELETE', '/api/admin/chaos', async () => '/api/admin/chaos', () => undefined, 200],
    ];
    let n = 0;
    for (const [method, route, pathOf, bodyOf, adminStatus] of routes) {
      for (const caller of CALLERS) {
        n++;
        const expected = { anonymous: 401, owner: 403, other: 403, admin: adminStatus }[caller];
        await expectStatus(caller, method, route, await pathOf(n), expected, shared, bodyOf(n));
      }
    }
  });

  async function throwaway(username: string): Promise<string> {
    const created = await call('admin', 'POST', '/api/admin/accounts', { username });
    return (JSON.parse(created.text) as { account: { _id: string } }).account._id;
  }
  async function extraKey(n: number): Promise<string> {
    return (JSON.parse((await call('admin', 'POST', '/api/admin/accounts/bob/keys', { label: `extra-${n}` })).text) as { keyId: string }).keyId;
  }
  async function extraChaosRule(n: number): Promise<string> {
    const rule = { kind: 'delay', stage: 'rcpt', delayMs: 1, scope: { address: `nobody-${n}@matrix.test` } };
    return (JSON.parse((await call('admin', 'POST', '/api/admin/chaos', rule)).text) as { _id: string })._id;
  }
  async function extraDomain(n: number): Promise<string> {
    await call('admin', 'POST', '/api/admin/accounts/bob/domains', { domain: `extra-${n}.test` });
    return `extra-${n}.test`;
  }

  test('covers every route the app declares under /api, and nothing leaked', () => {
    const declared = declaredRoutes().filter((route) => route.path.startsWith('/api'));
    assert.ok(declared.length >= 30, `found only ${declared.length} routes`);
    const missing = declared.map((r) => `${r.method} ${r.path}`).filter((key) => !covered.has(key));
    assert.deepEqual(missing, [], 'routes without a matrix entry');
    assert.deepEqual(leaks, []);
  });
});
