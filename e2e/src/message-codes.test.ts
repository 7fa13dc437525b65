// One-time codes and links through GET /api/addresses/:email/messages/:id/codes, on both stores: the code
// corpus sent over real SMTP (nodemailer), read back from the built service on SQLite and on a real
// MongoDB-wire server (FerretDB), a caller's own pattern, and hostile patterns answered 400 in bounded time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { CODE_CORPUS } from '../../apps/capture/dist-test/codes/fixtures';
import { startMongoTestServer, type MongoTestServer } from '../../apps/capture/dist-test/store/testing';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';

interface CodesReply {
  _id: string;
  codes: Array<{ value: string; source: string }>;
  links: string[];
}

async function sendCorpus(box: CaptureboxProcess, inbox: string): Promise<string[]> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false } });
  const ids: string[] = [];
  try {
    for (const mail of CODE_CORPUS) {
      const info = await transport.sendMail({ from: 'no-reply@acme.example', to: inbox, subject: mail.subject, text: mail.text, html: mail.html });
      ids.push(`${/queued as (\S+)$/.exec(info.response)![1]}-0`);
    }
  } finally {
    transport.close();
  }
  return ids;
}

async function codesOf(box: CaptureboxProcess, inbox: string, id: string, query = '', key?: string | null): Promise<{ status: number; body: CodesReply & { message?: string; validationErrors?: string[] } }> {
  const response = await box.api(`/api/addresses/${inbox}/messages/${id}/codes${query}`, { key });
  return { status: response.status, body: (await response.json()) as CodesReply & { message?: string; validationErrors?: string[] } };
}

function codeEndpointSuite(store: string, startBox: () => Promise<CaptureboxProcess>) {
  describe(`codes and links on ${store}`, () => {
    let box: CaptureboxProcess;
    const inbox = `codes-${randomBytes(3).toString('hex')}@codes.test`;
    let ids: string[];
    before(async () => {
      box = await startBox();
      ids = await sendCorpus(box, inbox);
    });
    after(async () => box?.dispose());

    test('every corpus message yields exactly its codes, and its links', async () => {
      for (const [n, mail] of CODE_CORPUS.entries()) {
        const { status, body } = await codesOf(box, inbox, ids[n]);
        assert.equal(status, 200, mail.name);
        assert.equal(body._id, ids[n]);
        assert.deepEqual(body.codes, mail.codes, mail.name);
        for (const link of mail.links ?? []) assert.ok(body.links.includes(link), `${mail.name}: ${link} in ${JSON.stringify(body.links)}`);
      }
    });

    test("a caller's own pattern replaces the heuristic; hostile or broken patterns get 400 in bounded time", async () => {
      const signUp = ids[CODE_CORPUS.findIndex((mail) => mail.name.startsWith('sign-up'))];
      const own = await codesOf(box, inbox, signUp, `?pattern=${encodeURIComponent('token=([A-Z0-9]+)')}`);
      assert.equal(own.status, 200);
      assert.deepEqual(own.body.codes, [{ value: 'Q7ZK3P9W2M', source: 'text' }]);
      const insensitive = await codesOf(box, inbox, signUp, `?pattern=${encodeURIComponent('hi (\\w+)')}&flags=i`);
      assert.deepEqual(insensitive.body.codes, [{ value: 'Sam', source: 'text' }]);

      const newsletter = ids[CODE_CORPUS.findIndex((mail) => mail.name.startsWith('marketing'))];
      for (const [query, why] of [
        [`?pattern=${encodeURIComponent('(\\w+\\s?)+Q$')}`, /took longer/],
        [`?pattern=${encodeURIComponent('([^!]*\\w){10}Z')}`, /took longer/],
        ['?pattern=(', /not a valid regular expression/],
        [`?pattern=${'a'.repeat(201)}`, /at most 200/],
        ['?pattern=a&flags=gy', /flags/],
        ['?flags=i', /needs a pattern/],
      ] as const) {
        const started = Date.now();
        const { status, body } = await codesOf(box, inbox, newsletter, query);
        assert.equal(status, 400, `${query.slice(0, 40)}: ${JSON.stringify(body)}`);
        assert.match(`${body.message} ${(body.validationErrors ?? []).join(' ')}`, why);
        assert.ok(Date.now() - started < 2000, `${query.slice(0, 40)} answered in ${Date.now() - started} ms`);
      }
      assert.equal((await codesOf(box, inbox, signUp)).status, 200, 'the service is still well after them');
    });

    test('a private message has no codes for anyone but its owner: 404 like every other read', async () => {
      const created = await box.api('/api/admin/accounts', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'codes-owner' }) });
      const ownerKey = ((await created.json()) as { apiKey: string }).apiKey;
      const starred = ids[CODE_CORPUS.findIndex((mail) => mail.name.startsWith('password reset'))];
      assert.equal((await box.api(`/api/addresses/${inbox}/messages/${starred}/star`, { method: 'PUT', key: ownerKey })).status, 200);
      assert.equal((await codesOf(box, inbox, starred, '', null)).status, 404);
      const owner = await codesOf(box, inbox, starred, '', ownerKey);
      assert.equal(owner.status, 200);
      assert.deepEqual(owner.body.codes, [{ value: '518 206', source: 'text' }]);
      assert.equal((await codesOf(box, inbox, 'nosuchmessage-0')).status, 404);
    });
  });
}

codeEndpointSuite('SQLite', () => CaptureboxProcess.start());

describe('on MongoDB', () => {
  let server: MongoTestServer;
  before(async () => {
    server = await startMongoTestServer();
  });
  after(async () => server?.dispose());
  codeEndpointSuite('MongoDB', () => CaptureboxProcess.start({ env: { CAPTUREBOX_MONGODB_URI: server.uri(`codes_${randomBytes(4).toString('hex')}`) } }));
});
