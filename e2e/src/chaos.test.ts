// Chaos through the admin API on the built service, seen by a real SMTP client (nodemailer): refusals at each
// stage with the configured code and text, for the next N or with a probability, per instance, account or
// address; delays; a 421 rate limit; a connection limit; every injection counted and logged; turning chaos off
// restores capture; and every message that got a 250 is stored.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';
import { parseSamples, valueOf } from './support/prometheus-text';

interface SendOutcome {
  ok: boolean;
  code: number | null;
  response: string;
  ms: number;
}

describe('chaos', () => {
  let box: CaptureboxProcess;
  before(async () => {
    box = await CaptureboxProcess.start();
  });
  after(async () => box?.dispose());
  afterEach(async () => {
    await box.api('/api/admin/chaos', { method: 'DELETE' });
  });

  const inbox = () => `chaos-${randomBytes(4).toString('hex')}@chaos.test`;

  async function send(to: string, auth = { user: ADMIN_USER, pass: ADMIN_API_KEY }): Promise<SendOutcome> {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth, tls: { rejectUnauthorized: false } });
    const started = Date.now();
    try {
      const info = await transport.sendMail({ from: 'app@chaos.test', to, subject: 'chaos', text: 'hello' });
      return { ok: true, code: 250, response: info.response, ms: Date.now() - started };
    } catch (error) {
      const { responseCode, response } = error as { responseCode?: number; response?: string };
      return { ok: false, code: responseCode ?? null, response: response ?? String(error), ms: Date.now() - started };
    } finally {
      transport.close();
    }
  }

  async function addRule(rule: Record<string, unknown>): Promise<{ _id: string }> {
    const response = await box.api('/api/admin/chaos', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
    assert.equal(response.status, 201, await response.clone().text());
    return (await response.json()) as { _id: string };
  }

  async function stored(address: string): Promise<number> {
    return ((await (await box.api(`/api/addresses/${address}/message-count`)).json()) as { count: number }).count;
  }

  async function injected(stage: string, kind: string): Promise<number> {
    const samples = parseSamples(await (await box.api('/metrics')).text());
    return samples.some((s) => s.name === 'capturebox_chaos_injected_total' && s.labels.stage === stage && s.labels.kind === kind) ? valueOf(samples, 'capturebox_chaos_injected_total', { stage, kind }) : 0;
  }

  for (const [stage, code, text] of [
    ['connect', 421, '4.3.2 Capturebox chaos: not now'],
    ['mail', 451, '4.3.0 Capturebox chaos: try later'],
    ['rcpt', 550, '5.1.1 Capturebox chaos: no such user'],
    ['data', 452, '4.3.1 Capturebox chaos: insufficient storage'],
  ] as const) {
    test(`refuses at ${stage} with ${code} for the next 2 messages, then captures again`, async () => {
      const address = inbox();
      await addRule({ kind: 'refuse', stage, code, text, times: 2 });
      const before = await injected(stage, 'refuse');
      for (let n = 0; n < 2; n++) {
        const outcome = await send(address);
        assert.equal(outcome.ok, false);
        assert.equal(outcome.code, code);
        assert.equal(outcome.response, `${code} ${text}`);
      }
      assert.equal(await injected(stage, 'refuse'), before + 2);
      assert.equal((await send(address)).ok, true);
      assert.equal(await stored(address), 1, 'only the message that got a 250');
      assert.deepEqual(await (await box.api('/api/admin/chaos')).json(), [], 'a spent rule is gone');
      assert.ok(box.output.some((line) => line.includes('"chaos injected"') && line.includes(`"stage":"${stage}"`)), 'logged');
    });
  }

  test("an address rule refuses that address only, an account rule that account's sessions only", async () => {
    const [target, other] = [inbox(), inbox()];
    await addRule({ kind: 'refuse', stage: 'rcpt', code: 550, text: '5.7.1 Capturebox chaos: this address', scope: { address: target.toUpperCase() } });
    assert.equal((await send(target)).code, 550);
    assert.equal((await send(other)).ok, true);
    await box.api('/api/admin/chaos', { method: 'DELETE' });

    const created = (await (await box.api('/api/admin/accounts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: `chaos${randomBytes(3).toString('hex')}` }) })).json()) as { account: { username: string }; apiKey: string };
    await addRule({ kind: 'refuse', stage: 'mail', code: 451, text: '4.7.0 Capturebox chaos: this account', scope: { account: created.account.username } });
    const refused = await send(other, { user: created.account.username, pass: created.apiKey });
    assert.equal(refused.response, '451 4.7.0 Capturebox chaos: this account');
    assert.equal((await send(other)).ok, true, 'the admin is another account');
  });

  test('delays a stage by the configured time, and a probability refuses some and lets the others through', async () => {
    const address = inbox();
    await addRule({ kind: 'delay', stage: 'rcpt', delayMs: 1200 });
    const slow = await send(address);
    assert.equal(slow.ok, true);
    assert.ok(slow.ms >= 1200, `took ${slow.ms} ms`);
    await box.api('/api/admin/chaos', { method: 'DELETE' });
    const fast = await send(address);
    assert.ok(fast.ms < 1200, `took ${fast.ms} ms`);

    await addRule({ kind: 'refuse', stage: 'mail', code: 451, text: '4.3.0 Capturebox chaos: sometimes', probability: 0.5 });
    const outcomes = [];
    for (let n = 0; n < 24; n++) outcomes.push(await send(address));
    const accepted = outcomes.filter((outcome) => outcome.ok).length;
    assert.ok(accepted > 0 && accepted < 24, `${accepted} of 24 accepted`);
    assert.ok(outcomes.every((outcome) => outcome.ok || outcome.response === '451 4.3.0 Capturebox chaos: sometimes'));
    assert.equal(await stored(address), accepted + 2, 'every 250 is stored');
  });

  test('a rate limit answers 421 past N messages per interval', async () => {
    const address = inbox();
    await addRule({ kind: 'rate_limit', messages: 3, intervalMs: 1500 });
    for (let n = 0; n < 3; n++) assert.equal((await send(address)).ok, true);
    const limited = await send(address);
    assert.equal(limited.response, '421 4.7.0 Capturebox chaos: rate limit of 3 messages per 1500 ms exceeded');
    await new Promise((resolve) => setTimeout(resolve, 1600));
    assert.equal((await send(address)).ok, true, 'the window moved on');
    assert.equal(await stored(address), 4);
  });

  test('a connection limit answers 421 on connect while N sessions are open', async () => {
    await addRule({ kind: 'connection_limit', connections: 1 });
    const held: Socket = connect(box.smtpPort, '127.0.0.1');
    try {
      await new Promise<void>((resolve) => held.once('data', () => resolve()));
      const refused = await send(inbox());
      assert.equal(refused.response, '421 4.7.0 Capturebox chaos: connection limit of 1 reached');
    } finally {
      held.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await send(inbox())).ok, true);
  });

  test('refuses rules that are malformed or could never fire, and non-admins', async () => {
    for (const bad of [
      { kind: 'refuse', stage: 'connect', code: 421, text: 'x', scope: { address: 'a@b.test' } },
      { kind: 'refuse', stage: 'mail', code: 451, text: 'x', scope: { address: 'a@b.test' } },
      { kind: 'refuse', stage: 'mail', code: 250, text: 'x' },
      { kind: 'refuse', stage: 'mail', code: 451, text: 'two\r\n250 lines' },
      { kind: 'delay', stage: 'rcpt', delayMs: 0 },
      { kind: 'explode' },
    ]) {
      const response = await box.api('/api/admin/chaos', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bad) });
      assert.equal(response.status, 400, JSON.stringify(bad));
    }
    assert.equal((await box.api('/api/admin/chaos', { key: null })).status, 401);
    assert.equal((await box.api('/api/admin/chaos/chaos_nope', { method: 'DELETE' })).status, 404);
  });

  test('a standing rule of CAPTUREBOX_CHAOS (what spec.chaos sets) acts from the start; a wrong one stops the start', async () => {
    const standing = await CaptureboxProcess.start({ env: { CAPTUREBOX_CHAOS: JSON.stringify([{ kind: 'refuse', stage: 'rcpt', code: 550, text: '5.1.1 Standing refusal', times: 1 }]) } });
    try {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: standing.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false } });
      const mail = { from: 'app@chaos.test', to: inbox(), subject: 'standing', text: 'hello' };
      await assert.rejects(transport.sendMail(mail), (error: { response?: string }) => error.response === '550 5.1.1 Standing refusal');
      assert.match((await transport.sendMail(mail)).response, /^250 /, 'the rule was for the next one only');
      transport.close();
    } finally {
      await standing.dispose();
    }
    await assert.rejects(CaptureboxProcess.start({ env: { CAPTUREBOX_CHAOS: '[{"kind":"refuse","stage":"mail","code":200,"text":"x"}]' } }), /CAPTUREBOX_CHAOS rule 0/);
  });
});
