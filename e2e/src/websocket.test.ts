// Mailsac's WebSocket, used as Mailsac documents it, with a plain `ws` client: connect to
// /incoming-messages?key=...&addresses=..., read the Listening frame, then one frame per message. Each frame
// arrives soon after the message's 250, matches Mailsac's EmailMessageWebSocketFrame, and private mail never
// reaches another key. `since=` replays what was missed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import WebSocket from 'ws';
import { ADMIN_API_KEY, CaptureboxProcess } from './support/capturebox-process';
import { MailsacSchemas } from './support/mailsac-schemas';

type Frame = { receivedAt: number; status: number; msg?: string; addresses?: string[]; domains?: string[]; cursor?: string; email?: { _id: string; subject: string; inbox: string; raw: string; text: string } };

/** A socket whose frames are queued as they come; `next()` takes the next one (or fails after a while). */
class Listener {
  readonly frames: Frame[] = [];
  private waiting: ((frame: Frame) => void) | null = null;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = { ...(JSON.parse(String(data)) as Frame), receivedAt: performance.now() };
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = null;
        resolve(frame);
      } else this.frames.push(frame);
    });
  }

  static open(url: string): Promise<Listener> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const listener = new Listener(ws);
      ws.once('open', () => resolve(listener));
      ws.once('unexpected-response', (_request, response) => reject(Object.assign(new Error(`refused ${response.statusCode}`), { status: response.statusCode })));
      ws.once('error', reject);
    });
  }

  next(timeoutMs = 5000): Promise<Frame> {
    const queued = this.frames.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no frame in time')), timeoutMs);
      this.waiting = (frame) => {
        clearTimeout(timer);
        resolve(frame);
      };
    });
  }

  close(): void {
    this.ws.close();
  }
}

describe("Mailsac's WebSocket", () => {
  let box: CaptureboxProcess;
  let transport: ReturnType<typeof nodemailer.createTransport>;
  let aliceKey: string;
  const schemas = new MailsacSchemas();

  before(async () => {
    box = await CaptureboxProcess.start({ env: { CAPTUREBOX_SMTP_AUTH: 'off', CAPTUREBOX_MAX_WEBSOCKETS: '20' } });
    transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, pool: true, maxConnections: 1, tls: { rejectUnauthorized: false } });
    const created = await box.api('/api/admin/accounts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice' }) });
    aliceKey = ((await created.json()) as { apiKey: string }).apiKey;
    assert.equal((await box.api('/api/addresses/alice@private.test', { method: 'POST', key: aliceKey })).status, 200);
    assert.equal((await box.api('/api/admin/accounts/alice/domains', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ domain: 'alice-corp.test' }) })).status, 201);
  });
  after(async () => {
    transport?.close();
    await box?.dispose();
  });

  const socketUrl = (query: string) => `${box.baseUrl.replace(/^http/, 'ws')}/incoming-messages?${query}`;
  const send = (to: string, subject: string) => transport.sendMail({ from: 'app@shop.test', to, subject, text: `${subject} body` });

  test('the Listening frame, then each message within 50 ms of its 250 (p99 of 100 printed), as Mailsac frames it', async () => {
    const listener = await Listener.open(socketUrl(`key=${ADMIN_API_KEY}&addresses=ws-one@public.test,WS-Two@Public.test`));
    const first = await listener.next();
    assert.equal(first.status, 200);
    assert.equal(first.msg, 'Listening');
    assert.deepEqual(first.addresses, ['ws-one@public.test', 'ws-two@public.test']);
    assert.deepEqual(first.domains, []);
    const latencies: number[] = [];
    for (let n = 0; n < 100; n++) {
      const framed = listener.next();
      await send(n % 2 ? 'ws-one@public.test' : 'ws-two@public.test', `frame ${n}`);
      const acknowledged = performance.now();
      const frame = await framed;
      // Negative when the frame came before the 250 reached the client: the store had it first.
      latencies.push(frame.receivedAt - acknowledged);
      assert.equal(frame.email?.subject, `frame ${n}`);
      if (n === 0) {
        const { receivedAt: _at, ...asSent } = frame;
        schemas.assertValid('EmailMessageWebSocketFrame', asSent);
        assert.match(frame.email!.raw, /^Received: from /, 'the raw source, our trace line first');
        assert.equal(frame.email!.text.trim(), 'frame 0 body');
      }
    }
    listener.close();
    const sorted = [...latencies].sort((a, b) => a - b);
    const p99 = sorted[Math.ceil(sorted.length * 0.99) - 1];
    console.log(`WebSocket frame after the 250 (negative: before it): min ${sorted[0].toFixed(1)} ms, median ${sorted[50].toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
    // The target is 50 ms (see the printed line); the bound only catches a wait that does not wake (a 2-core CI machine under load measured a 149 ms p99).
    assert.ok(p99 < 500, `p99 ${p99.toFixed(1)} ms`);
  });

  test('private mail reaches its owner only: another key listening to the address, or anonymous, never gets it', async () => {
    const owner = await Listener.open(socketUrl(`key=${aliceKey}&addresses=alice@private.test,alice-corp.test`));
    const stranger = await Listener.open(socketUrl(`addresses=alice@private.test,public-too@public.test`));
    assert.deepEqual((await owner.next()).domains, ['alice-corp.test']);
    assert.equal((await stranger.next()).msg, 'Listening');
    await send('alice@private.test', 'private one');
    await send('anyone@alice-corp.test', 'domain mail');
    await send('public-too@public.test', 'public one');
    assert.deepEqual([(await owner.next()).email?.subject, (await owner.next()).email?.subject], ['private one', 'domain mail']);
    const strangerGot = await stranger.next();
    assert.equal(strangerGot.email?.subject, 'public one', 'the stranger gets the public mail it asked for, and only that');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(stranger.frames.map((frame) => frame.email?.subject), []);
    owner.close();
    stranger.close();
    await assert.rejects(Listener.open(socketUrl(`key=${ADMIN_API_KEY}x&addresses=a@b.test`)), { status: 401 });
    const bob = ((await (await box.api('/api/admin/accounts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bob' }) })).json()) as { apiKey: string }).apiKey;
    await assert.rejects(Listener.open(socketUrl(`key=${bob}&addresses=alice-corp.test`)), { status: 404 }, "another account's domain does not exist to bob");
    await assert.rejects(Listener.open(socketUrl('addresses=alice-corp.test')), { status: 401 });
  });

  test('since= replays what arrived since the cursor, oldest first, then live frames, none twice', async () => {
    const cursor = ((await (await box.api('/api/wait/cursor', { key: null })).json()) as { cursor: string }).cursor;
    await send('replay@public.test', 'missed 1');
    await send('replay@public.test', 'missed 2');
    const listener = await Listener.open(socketUrl(`addresses=replay@public.test&since=${encodeURIComponent(cursor)}`));
    assert.equal((await listener.next()).msg, 'Listening');
    assert.deepEqual([(await listener.next()).email?.subject, (await listener.next()).email?.subject], ['missed 1', 'missed 2']);
    await send('replay@public.test', 'live 3');
    assert.equal((await listener.next()).email?.subject, 'live 3');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(listener.frames.map((frame) => frame.email?.subject), [], 'nothing twice');
    listener.close();
  });

  test('bad requests are HTTP errors before the upgrade; past CAPTUREBOX_MAX_WEBSOCKETS a socket gets 429', async () => {
    for (const [query, status] of [['', 400], ['addresses=', 400], ['addresses=not an address@x.test', 400], ['addresses=bad_domain!', 400], [`addresses=${Array.from({ length: 101 }, (_, n) => `a${n}@x.test`).join(',')}`, 400], ['addresses=a@b.test&since=yesterday', 400]] as const) {
      await assert.rejects(Listener.open(socketUrl(query)), { status }, query.slice(0, 40));
    }
    await assert.rejects(Listener.open(`${box.baseUrl.replace(/^http/, 'ws')}/elsewhere?addresses=a@b.test`), { status: 404 });
    const open = await Promise.all(Array.from({ length: 20 }, () => Listener.open(socketUrl('addresses=many@public.test'))));
    await assert.rejects(Listener.open(socketUrl('addresses=many@public.test')), { status: 429 });
    for (const listener of open) listener.close();
  });
});
