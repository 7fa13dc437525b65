// Webhooks end to end: the built service POSTs captured mail to a real receiver (support/webhook-receiver.ts)
// that checks every signature. Durable and at least once: a receiver that was down gets everything when it
// comes back, a SIGKILLed service delivers after its restart what it had accepted, two replicas on one MongoDB
// deliver each message once; and a receiver that never answers costs SMTP ingest nothing measurable.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { startMongoTestServer, type MongoTestServer } from '../../apps/capture/dist-test/store/testing';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess, eventually } from './support/capturebox-process';
import { WebhookReceiver } from './support/webhook-receiver';

/** Fast retries and short leases, so outages and kills resolve within seconds. */
const FAST_RETRIES = { CAPTUREBOX_WEBHOOK_BACKOFF_MAX_MS: '300', CAPTUREBOX_WEBHOOK_TIMEOUT_MS: '1000', CAPTUREBOX_WEBHOOK_POLL_MS: '100' };

interface WebhookView {
  _id: string;
  secret: string;
  kind: string;
  url: string;
}

async function json<T>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  return JSON.parse(text) as T;
}

function transportTo(box: CaptureboxProcess, maxConnections = 4) {
  return nodemailer.createTransport({
    host: '127.0.0.1', port: box.smtpPort, pool: true, maxConnections,
    auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false },
  });
}

async function sendMany(box: CaptureboxProcess, to: string, count: number, maxConnections = 4): Promise<string[]> {
  const transport = transportTo(box, maxConnections);
  try {
    const infos = await Promise.all(Array.from({ length: count }, (_, n) => transport.sendMail({ from: 'app@shop.test', to, subject: `hook ${n}`, text: `n=${n}` })));
    return infos.map((info) => `${/queued as (\S+)$/.exec(info.response)![1]}-0`);
  } finally {
    transport.close();
  }
}

async function createWebhook(box: CaptureboxProcess, body: Record<string, unknown>): Promise<WebhookView> {
  return json<WebhookView>(await box.api('/api/webhooks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }), 201);
}

/** Asserts every message arrived for every webhook exactly once, after dropping repeats of a delivery id. */
function assertEachOnce(receiver: WebhookReceiver, messages: string[], webhooks: string[]): void {
  const expected = new Set(messages.flatMap((message) => webhooks.map((webhook) => `${message} ${webhook}`)));
  assert.deepEqual([...receiver.distinctPairs()].sort(), [...expected].sort());
  assert.equal(receiver.countsById().size, expected.size, 'one delivery id per message and webhook');
  assert.equal(receiver.received.length, expected.size, 'no delivery was sent twice');
  assert.ok(receiver.received.every((d) => d.signatureValid), 'every delivery carries a valid signature');
}

describe('webhooks on SQLite', () => {
  const secrets = new Map<string, string>();
  const receiver = new WebhookReceiver(() => secrets);
  let box: CaptureboxProcess;

  before(async () => {
    await receiver.start();
    box = await CaptureboxProcess.start({ env: FAST_RETRIES });
  });
  after(async () => {
    await box?.dispose();
    await receiver.stop();
  });

  test('address (Mailsac’s field), domain and account webhooks each get every message once, signed, after the receiver was down', async () => {
    await json(await box.api('/api/admin/accounts/admin/domains', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ domain: 'hooks.test' }) }), 201);
    await json(await box.api('/api/addresses/box@hooks.test', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    const address = await json<{ webhook?: string }>(
      await box.api('/api/addresses/box@hooks.test', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ webhook: receiver.url }) }),
    );
    assert.equal(address.webhook, receiver.url, 'Mailsac’s webhook field is set and shown');
    const onDomain = await createWebhook(box, { kind: 'domain', target: 'hooks.test', url: receiver.url });
    const accountWide = await createWebhook(box, { kind: 'account', url: receiver.url });
    const listed = await json<WebhookView[]>(await box.api('/api/webhooks'));
    for (const webhook of listed) secrets.set(webhook._id, webhook.secret);
    const onAddress = listed.find((w) => w.kind === 'address')!;
    assert.ok(onAddress && secrets.size === 3);
    assert.match(onDomain.secret, /^whsec_/);

    await receiver.stop();
    const whileDown = await sendMany(box, 'box@hooks.test', 10);
    const failing = await eventually(async () => {
      const log = await json<Array<{ state: string; lastAttempts: Array<{ error: string | null }> }>>(await box.api(`/api/webhooks/${accountWide._id}/deliveries`));
      return log.length === 10 && log.every((d) => d.lastAttempts.length > 0) ? log : undefined;
    });
    assert.ok(failing.every((d) => d.state === 'pending' && d.lastAttempts[0].error), 'attempts logged, to be retried');
    assert.equal(receiver.received.length, 0);

    await receiver.start();
    const afterUp = await sendMany(box, 'box@hooks.test', 10);
    await eventually(async () => (receiver.distinctPairs().size >= 60 ? true : undefined), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // anything sent twice would arrive by now
    assertEachOnce(receiver, [...whileDown, ...afterUp], [onAddress._id, onDomain._id, accountWide._id]);
    const body = receiver.received[0].body;
    for (const field of ['_id', 'inbox', 'subject', 'text', 'body', 'raw', 'headers']) assert.ok(field in body, `EmailMessageWebhook has ${field}`);

    const log = await json<Array<{ state: string; lastAttempts: Array<{ status: number; latencyMs: number }> }>>(await box.api(`/api/webhooks/${onDomain._id}/deliveries?limit=100`));
    assert.equal(log.length, 20);
    assert.ok(log.every((d) => d.state === 'delivered' && d.lastAttempts.at(-1)!.status === 200));
    const metrics = await (await fetch(`${box.baseUrl}/metrics`)).text();
    assert.match(metrics, /capturebox_webhook_deliveries_total\{result="delivered"\} 60/);
    assert.match(metrics, /capturebox_webhook_deliveries_total\{result="retry"\} [1-9]/);
    assert.match(metrics, /capturebox_webhook_queue_pending 0/);
  });

  test('public mail reaches no webhook, and webhooks exist only on what the account owns', async () => {
    const before = receiver.received.length;
    await sendMany(box, 'someone@public.test', 3);
    const refused = await box.api('/api/webhooks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'address', target: 'someone@public.test', url: receiver.url }) });
    assert.equal(refused.status, 403);
    // An admin naming an account that does not exist: 404, for listing and creating alike.
    const forNobody = await box.api('/api/webhooks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'account', url: receiver.url, accountId: 'acct_nobody' }) });
    assert.equal(forNobody.status, 404, await forNobody.text());
    assert.equal((await box.api('/api/webhooks?accountId=acct_nobody')).status, 404);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(receiver.received.length, before);
  });
});

describe('webhooks across a SIGKILL', () => {
  const secrets = new Map<string, string>();
  const receiver = new WebhookReceiver(() => secrets);
  let box: CaptureboxProcess;

  before(async () => {
    await receiver.start();
    box = await CaptureboxProcess.start({ env: FAST_RETRIES });
  });
  after(async () => {
    await box?.dispose();
    await receiver.stop();
  });

  test('everything accepted before kill -9 is delivered after the restart; a repeat carries the same delivery id', async () => {
    await json(await box.api('/api/addresses/killed@hooks.test', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    const webhook = await createWebhook(box, { kind: 'address', target: 'killed@hooks.test', url: receiver.url });
    secrets.set(webhook._id, webhook.secret);
    receiver.delayMs = 200; // deliveries lag behind the 250s: most are still queued at the kill
    const accepted = await sendMany(box, 'killed@hooks.test', 40);
    box.signal('SIGKILL');
    await box.exited;
    const beforeRestart = receiver.distinctPairs().size;
    assert.ok(beforeRestart < 40, `some deliveries were still queued at the kill (${beforeRestart} of 40 done)`);

    receiver.delayMs = 0;
    await box.restart();
    await eventually(async () => (receiver.distinctPairs().size >= 40 ? true : undefined), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const expected = accepted.map((message) => `${message} ${webhook._id}`).sort();
    assert.deepEqual([...receiver.distinctPairs()].sort(), expected);
    assert.equal(receiver.countsById().size, 40, 'one delivery id per message');
    const repeats = [...receiver.countsById().values()].filter((n) => n > 1).length;
    console.log(`after kill -9: ${beforeRestart} delivered before, ${40 - beforeRestart} after the restart, ${repeats} sent twice (in flight at the kill)`);
    assert.ok(repeats <= 16, 'only deliveries in flight at the kill (at most the concurrency) are sent again');
    assert.ok(receiver.received.every((d) => d.signatureValid));
  });
});

describe('webhooks with two replicas on one MongoDB', () => {
  const secrets = new Map<string, string>();
  const receiver = new WebhookReceiver(() => secrets);
  let server: MongoTestServer;
  let one: CaptureboxProcess;
  let two: CaptureboxProcess;

  before(async () => {
    await receiver.start();
    server = await startMongoTestServer();
    const env = { ...FAST_RETRIES, CAPTUREBOX_MONGODB_URI: server.uri(`hooks_${randomBytes(4).toString('hex')}`) };
    one = await CaptureboxProcess.start({ env });
    two = await CaptureboxProcess.start({ env });
  });
  after(async () => {
    await Promise.all([one?.dispose(), two?.dispose()]);
    await server?.dispose();
    await receiver.stop();
  });

  test('each message is delivered once per webhook, whichever replica captured it, also after an outage', async () => {
    await json(await one.api('/api/addresses/shared@hooks.test', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    const first = await createWebhook(one, { kind: 'address', target: 'shared@hooks.test', url: receiver.url });
    const second = await createWebhook(two, { kind: 'account', url: receiver.url });
    secrets.set(first._id, first.secret).set(second._id, second.secret);

    const live = [...(await sendMany(one, 'shared@hooks.test', 15)), ...(await sendMany(two, 'shared@hooks.test', 15))];
    await receiver.stop();
    const queued = [...(await sendMany(two, 'shared@hooks.test', 10)), ...(await sendMany(one, 'shared@hooks.test', 10))];
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // both replicas retry meanwhile
    await receiver.start();
    await eventually(async () => (receiver.distinctPairs().size >= 100 ? true : undefined), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assertEachOnce(receiver, [...live, ...queued], [first._id, second._id]); // the lease gives each to one replica
  });
});

describe('a receiver that never answers', () => {
  const receiver = new WebhookReceiver(() => new Map());
  let box: CaptureboxProcess;

  before(async () => {
    await receiver.start();
    receiver.mode = 'never-answer';
    box = await CaptureboxProcess.start();
  });
  after(async () => {
    await box?.dispose();
    await receiver.stop();
  });

  test('costs SMTP ingest nothing measurable (rate with the hung webhook vs. without, same run)', async () => {
    // Both addresses owned (private mail has its own costs: the owner's message limit), only one with a webhook.
    for (const address of ['hung@hooks.test', 'calm@hooks.test']) {
      await json(await box.api(`/api/addresses/${address}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    }
    await createWebhook(box, { kind: 'address', target: 'hung@hooks.test', url: receiver.url });
    // Rounds of 500, best of three each, interleaved: a round of a few hundred milliseconds on a shared 2-core
    // machine swings by 20% on its own (seen at 300 x 2).
    const rate = async (to: string): Promise<number> => {
      const started = performance.now();
      await sendMany(box, to, 500, 5);
      return 500 / ((performance.now() - started) / 1000);
    };
    await rate('calm@hooks.test');
    const runs = { plain: [] as number[], hooked: [] as number[] };
    for (let round = 0; round < 3; round++) {
      runs.plain.push(await rate('calm@hooks.test'));
      runs.hooked.push(await rate('hung@hooks.test'));
    }
    const best = (values: number[]) => Math.max(...values);
    const ratio = best(runs.hooked) / best(runs.plain);
    console.log(`ingest: ${best(runs.plain).toFixed(0)} msg/s without webhooks, ${best(runs.hooked).toFixed(0)} msg/s with a webhook that never answers (${(ratio * 100).toFixed(1)}%)`);
    // The target is 95% (see the README); the bound leaves room for a busy 2-core machine.
    assert.ok(ratio > 0.8, `ratio ${ratio.toFixed(3)}`);
    const metrics = await (await fetch(`${box.baseUrl}/metrics`)).text();
    assert.match(metrics, /capturebox_webhook_queue_pending [1-9]/, 'the hung deliveries wait in the queue');
  });
});
