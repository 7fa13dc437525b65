// Message checks on the built service: SpamAssassin's verdict from Debian's real spamd (GTUBE scores high, a
// plain message low; spamd stopped or silent: capture goes on, the 250 is not held, the score stays absent),
// the HTML check on crafted HTML, and the link check against local HTTP servers (200, 404, HEAD refused,
// redirects, a redirect loop, a timeout, a host not allowed), with nothing of a link but its host in the log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess, eventually } from './support/capturebox-process';
import { parseSamples, valueOf } from './support/prometheus-text';
import { SpamdServer } from './support/spamd-server';

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

interface SpamCheck {
  _id: string;
  scored: boolean;
  spam: number | null;
  score: number | null;
  required: number | null;
  rules: string[];
}

async function send(box: CaptureboxProcess, to: string, mail: { subject: string; text?: string; html?: string }): Promise<{ id: string; ms: number }> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false } });
  try {
    const started = Date.now();
    const info = await transport.sendMail({ from: 'sender@checks.test', to, ...mail });
    return { id: `${/queued as (\S+)$/.exec(info.response)![1]}-0`, ms: Date.now() - started };
  } finally {
    transport.close();
  }
}

async function json<T>(box: CaptureboxProcess, path: string): Promise<T> {
  const response = await box.api(path);
  assert.equal(response.status, 200, `${path}: ${response.status}`);
  return (await response.json()) as T;
}

async function spamChecksTotal(box: CaptureboxProcess, outcome: string): Promise<number> {
  const samples = parseSamples(await (await box.api('/metrics')).text());
  return samples.some((s) => s.name === 'capturebox_spam_checks_total' && s.labels.outcome === outcome) ? valueOf(samples, 'capturebox_spam_checks_total', { outcome }) : 0;
}

describe('spam score from a real spamd', () => {
  let spamd: SpamdServer;
  let box: CaptureboxProcess;
  const inbox = `spam-${randomBytes(3).toString('hex')}@checks.test`;
  before(async () => {
    spamd = await SpamdServer.start();
    box = await CaptureboxProcess.start({ env: { CAPTUREBOX_SPAMD_URL: spamd.url } });
  });
  after(async () => {
    await box?.dispose();
    await spamd?.stop();
  });

  const scored = (id: string) => eventually(async () => {
    const check = await json<SpamCheck>(box, `/api/addresses/${inbox}/messages/${id}/checks/spam`);
    return check.scored ? check : undefined;
  }, 30_000);

  test('GTUBE scores high and a plain message low; Mailsac `spam` is the documented mapping', async () => {
    const spammy = await send(box, inbox, { subject: 'You won', text: `Claim now.\n${GTUBE}\n` });
    const plain = await send(box, inbox, { subject: 'Lunch on Thursday', text: 'Shall we meet at noon by the fountain? Anna' });

    const high = await scored(spammy.id);
    assert.ok(high.rules.includes('GTUBE'), JSON.stringify(high));
    assert.ok(high.score! >= 900 && high.required === 5, JSON.stringify(high));
    assert.equal(high.spam, 1);
    const low = await scored(plain.id);
    assert.ok(!low.rules.includes('GTUBE'));
    assert.ok(low.score! < low.required!, JSON.stringify(low));
    assert.ok(low.spam! < 0.5);
    assert.equal(low.spam, Math.round(Math.max(0, low.score! / (2 * low.required!)) * 1000) / 1000);

    const listed = await json<Array<{ _id: string; spam?: number }>>(box, `/api/addresses/${inbox}/messages`);
    assert.equal(listed.find((m) => m._id === spammy.id)?.spam, 1);
    assert.equal(listed.find((m) => m._id === plain.id)?.spam, low.spam);
    assert.equal(await spamChecksTotal(box, 'scored'), 2);
  });

  test('spamd stopped: capture goes on and the score is absent, not 0', async () => {
    await spamd.stop();
    const failedBefore = await spamChecksTotal(box, 'failed');
    const { id } = await send(box, inbox, { subject: 'while spamd is down', text: GTUBE });
    await eventually(async () => ((await spamChecksTotal(box, 'failed')) > failedBefore ? true : undefined), 10_000);
    const check = await json<SpamCheck>(box, `/api/addresses/${inbox}/messages/${id}/checks/spam`);
    assert.deepEqual({ ...check, _id: undefined }, { _id: undefined, scored: false, spam: null, score: null, required: null, rules: [] });
    const message = await json<Record<string, unknown>>(box, `/api/addresses/${inbox}/messages/${id}`);
    assert.equal(message.subject, 'while spamd is down');
    assert.ok(!('spam' in message), JSON.stringify(message));
  });
});

describe('a spamd that never answers', () => {
  let silent: ReturnType<typeof createTcpServer>;
  const sockets = new Set<Socket>();
  let box: CaptureboxProcess;
  before(async () => {
    silent = createTcpServer((socket) => sockets.add(socket.on('data', () => {}).on('close', () => sockets.delete(socket))));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    box = await CaptureboxProcess.start({ env: { CAPTUREBOX_SPAMD_URL: `spamd://127.0.0.1:${port}`, CAPTUREBOX_SPAMD_TIMEOUT_MS: '3000' } });
  });
  after(async () => {
    await box?.dispose();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent?.close(resolve));
  });

  test('holds no 250: the message is stored at once and stays not scored after the deadline', async () => {
    const inbox = `silent-${randomBytes(3).toString('hex')}@checks.test`;
    const { id, ms } = await send(box, inbox, { subject: 'quick', text: 'hello' });
    assert.ok(ms < 2_000, `the 250 took ${ms} ms`);
    await eventually(async () => (sockets.size === 1 ? true : undefined), 5_000);
    await eventually(async () => ((await spamChecksTotal(box, 'failed')) === 1 ? true : undefined), 10_000);
    assert.equal((await json<SpamCheck>(box, `/api/addresses/${inbox}/messages/${id}/checks/spam`)).scored, false);
  });
});

describe('without spamd', () => {
  let box: CaptureboxProcess;
  before(async () => {
    box = await CaptureboxProcess.start();
  });
  after(async () => box?.dispose());

  test('nothing is scored, and Mailsac `spam` is absent', async () => {
    const inbox = `unscored-${randomBytes(3).toString('hex')}@checks.test`;
    const { id } = await send(box, inbox, { subject: 'plain', text: GTUBE });
    assert.equal((await json<SpamCheck>(box, `/api/addresses/${inbox}/messages/${id}/checks/spam`)).scored, false);
    assert.ok(!('spam' in (await json<Record<string, unknown>>(box, `/api/addresses/${inbox}/messages/${id}`))));
  });

  test('the HTML check names unsupported and partly supported features with their clients', async () => {
    const inbox = `html-${randomBytes(3).toString('hex')}@checks.test`;
    const html = '<html><head><style>.card { display: flex; }</style></head><body><div class="card" style="background-image: linear-gradient(red, blue)">Hi</div></body></html>';
    const { id } = await send(box, inbox, { subject: 'html', html, text: 'Hi' });
    const check = await json<{ checked: boolean; truncated: boolean; issues: Array<{ feature: string; support: string; clients: string[] }> }>(box, `/api/addresses/${inbox}/messages/${id}/checks/html`);
    assert.equal(check.checked, true);
    const flex = check.issues.find((issue) => issue.feature === 'display:flex' && issue.support === 'unsupported');
    assert.ok(flex?.clients.includes('outlook.windows'), JSON.stringify(check.issues.map((i) => i.feature)));
    assert.ok(check.issues.some((issue) => issue.support === 'partial'));

    const { id: plainId } = await send(box, inbox, { subject: 'text only', text: 'no html here' });
    assert.deepEqual((await json<{ checked: boolean; issues: unknown[] }>(box, `/api/addresses/${inbox}/messages/${plainId}/checks/html`)), { _id: plainId, checked: false, truncated: false, issues: [] });
  });
});

describe('link check against local servers', () => {
  let target: Server;
  let base: string;
  let box: CaptureboxProcess;
  const hanging = new Set<import('node:http').ServerResponse>();
  before(async () => {
    target = createHttpServer((request, response) => {
      const path = new URL(request.url!, 'http://x').pathname;
      if (path === '/ok') return response.writeHead(200).end('fine');
      if (path === '/missing') return response.writeHead(404).end();
      if (path === '/get-only') return response.writeHead(request.method === 'HEAD' ? 405 : 200).end();
      if (path === '/moved') return response.writeHead(302, { location: '/ok' }).end();
      if (path === '/loop-a') return response.writeHead(302, { location: '/loop-b' }).end();
      if (path === '/loop-b') return response.writeHead(301, { location: '/loop-a' }).end();
      if (path === '/away') return response.writeHead(302, { location: 'http://elsewhere.invalid/' }).end();
      if (path === '/slow') return void hanging.add(response);
      response.writeHead(500).end();
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    box = await CaptureboxProcess.start({ env: { CAPTUREBOX_LINK_CHECK_HOSTS: '127.0.0.1', CAPTUREBOX_LINK_CHECK_TIMEOUT_MS: '1500', CAPTUREBOX_LOG_LEVEL: 'debug' } });
  });
  after(async () => {
    await box?.dispose();
    for (const response of hanging) response.destroy();
    target?.closeAllConnections();
    await new Promise((resolve) => target?.close(resolve));
  });

  test('each link gets its status, bounded in time, and only its host reaches the log', async () => {
    const inbox = `links-${randomBytes(3).toString('hex')}@checks.test`;
    const links = ['/ok?token=s3cr3t-ok', '/missing', '/get-only', '/moved', '/loop-a', '/away', '/slow'].map((path) => `${base}${path}`);
    const html = links.map((link) => `<a href="${link}">x</a>`).join(' ') + ' <a href="http://not-allowed.invalid/private?token=s3cr3t-host">y</a>';
    const { id } = await send(box, inbox, { subject: 'links', html });

    const started = Date.now();
    const check = await json<{ links: Array<{ url: string; result: string; status: number | null; redirects: number; error: string | null; finalUrl: string | null }> }>(box, `/api/addresses/${inbox}/messages/${id}/checks/links`);
    const elapsed = Date.now() - started;
    const byPath = new Map(check.links.map((link) => [link.url.replace(base, ''), link]));
    const pick = (path: string) => {
      const { result, status, redirects, error } = byPath.get(path) ?? assert.fail(`${path} not checked: ${JSON.stringify(check.links)}`);
      return { result, status, redirects, error };
    };
    assert.deepEqual(pick('/ok?token=s3cr3t-ok'), { result: 'ok', status: 200, redirects: 0, error: null });
    assert.deepEqual(pick('/missing'), { result: 'broken', status: 404, redirects: 0, error: null });
    assert.deepEqual(pick('/get-only'), { result: 'ok', status: 200, redirects: 0, error: null });
    assert.deepEqual(pick('/moved'), { result: 'ok', status: 200, redirects: 1, error: null });
    assert.equal(byPath.get('/moved')?.finalUrl, `${base}/ok`);
    assert.deepEqual(pick('/loop-a'), { result: 'failed', status: null, redirects: 2, error: 'redirect_loop' });
    assert.deepEqual(pick('/away'), { result: 'not_allowed', status: null, redirects: 1, error: null });
    assert.deepEqual(pick('/slow'), { result: 'failed', status: null, redirects: 0, error: 'timeout' });
    assert.deepEqual(pick('http://not-allowed.invalid/private?token=s3cr3t-host'), { result: 'not_allowed', status: null, redirects: 0, error: null });
    assert.ok(elapsed < 6_000, `the check took ${elapsed} ms`);

    const logged = box.output.filter((line) => line.includes('link checked'));
    assert.equal(logged.length, check.links.length);
    const leaks = box.output.filter((line) => line.includes('s3cr3t') || line.includes('invalid/private'));
    assert.deepEqual(leaks, [], 'a link path or query in the log');
  });
});
