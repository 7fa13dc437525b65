import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../config';
import { createRootLogger } from '../logging';
import { CaptureMetrics } from '../metrics';
import { CHAOS_KIND_FIELDS } from '@capturebox/limits';
import { ChaosRuleInput, unreachableReason, type ChaosRuleSpec } from './chaos-rule';
import { ChaosService, MAX_CHAOS_RULES, TooManyChaosRulesError } from './chaos.service';

const nobody = { accountId: null, recipients: [] };

function service(env: NodeJS.ProcessEnv = {}): ChaosService {
  return new ChaosService(new CaptureMetrics(), createRootLogger('silent'), loadConfig(env));
}

function rule(input: Record<string, unknown>): ChaosRuleSpec {
  return ChaosRuleInput.parse(input);
}

describe('ChaosService', () => {
  it('refuses the next N times with the configured reply, then lets everything through', async () => {
    const chaos = service();
    chaos.add(rule({ kind: 'refuse', stage: 'mail', code: 451, text: '4.3.0 no', times: 2 }));
    assert.equal(await chaos.at('rcpt', 's', () => nobody), null, 'another stage');
    for (let n = 0; n < 2; n++) {
      const refusal = await chaos.at('mail', 's', () => nobody);
      assert.deepEqual([refusal?.responseCode, refusal?.message], [451, '4.3.0 no']);
    }
    assert.equal(await chaos.at('mail', 's', () => nobody), null);
    assert.deepEqual(chaos.list(), []);
  });

  it('applies an account rule to that account and an address rule to transactions that include the address', async () => {
    const chaos = service();
    chaos.add(rule({ kind: 'refuse', stage: 'rcpt', code: 550, text: 'a', scope: { account: 'acct_1' } }));
    chaos.add(rule({ kind: 'refuse', stage: 'data', code: 452, text: 'b', scope: { address: 'bob@x.test' } }));
    assert.equal((await chaos.at('rcpt', 's', () => ({ accountId: 'acct_1', recipients: [] })))?.responseCode, 550);
    assert.equal(await chaos.at('rcpt', 's', () => ({ accountId: 'acct_2', recipients: [] })), null);
    assert.equal((await chaos.at('data', 's', () => ({ accountId: null, recipients: ['amy@x.test', 'bob@x.test'] })))?.responseCode, 452);
    assert.equal(await chaos.at('data', 's', () => ({ accountId: null, recipients: ['amy@x.test'] })), null);
  });

  it('rate-limits over a sliding window and limits open sessions', async () => {
    const chaos = service();
    chaos.add(rule({ kind: 'rate_limit', messages: 2, intervalMs: 200 }));
    assert.equal(await chaos.at('mail', 's', () => nobody), null);
    assert.equal(await chaos.at('mail', 's', () => nobody), null);
    assert.equal((await chaos.at('mail', 's', () => nobody))?.responseCode, 421);
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal(await chaos.at('mail', 's', () => nobody), null);

    chaos.clear();
    chaos.add(rule({ kind: 'connection_limit', connections: 1 }));
    assert.equal(await chaos.at('connect', 'one', () => nobody), null);
    assert.equal((await chaos.at('connect', 'two', () => nobody))?.responseCode, 421);
    chaos.closed('one');
    assert.equal(await chaos.at('connect', 'three', () => nobody), null);
  });

  it('adds up delays before it answers', async () => {
    const chaos = service();
    chaos.add(rule({ kind: 'delay', stage: 'rcpt', delayMs: 60 }));
    chaos.add(rule({ kind: 'delay', stage: 'rcpt', delayMs: 60 }));
    const started = Date.now();
    assert.equal(await chaos.at('rcpt', 's', () => nobody), null);
    assert.ok(Date.now() - started >= 115);
  });
});

describe('chaos rules', () => {
  it('take one line of printable text and codes of 400-599 only', () => {
    assert.equal(ChaosRuleInput.safeParse({ kind: 'refuse', stage: 'mail', code: 451, text: 'a\r\n250 OK' }).success, false);
    assert.equal(ChaosRuleInput.safeParse({ kind: 'refuse', stage: 'mail', code: 354, text: 'go on' }).success, false);
    assert.equal(ChaosRuleInput.safeParse({ kind: 'refuse', stage: 'mail', code: 554, text: '5.7.1 go away' }).success, true);
  });

  it('that could never fire are named', () => {
    assert.match(unreachableReason(rule({ kind: 'refuse', stage: 'connect', code: 421, text: 'x', scope: { account: 'a' } })) ?? '', /connect/);
    assert.match(unreachableReason(rule({ kind: 'rate_limit', messages: 1, intervalMs: 1000, scope: { address: 'a@b.test' } })) ?? '', /rcpt/);
    assert.equal(unreachableReason(rule({ kind: 'refuse', stage: 'rcpt', code: 550, text: 'x', scope: { address: 'a@b.test' } })), null);
  });

  it('starts with the standing rules of CAPTUREBOX_CHAOS, checked as the admin API checks a body', async () => {
    const chaos = service({ CAPTUREBOX_CHAOS: JSON.stringify([{ kind: 'refuse', stage: 'mail', code: 421, text: '4.7.0 standing' }]) });
    assert.equal((await chaos.at('mail', 's', () => nobody))?.message, '4.7.0 standing');
    assert.throws(() => service({ CAPTUREBOX_CHAOS: JSON.stringify([{ kind: 'refuse', stage: 'mail', code: 200, text: 'x' }]) }), /CAPTUREBOX_CHAOS rule 0: code/);
    assert.throws(() => service({ CAPTUREBOX_CHAOS: JSON.stringify([{ kind: 'refuse', stage: 'connect', code: 421, text: 'x', scope: { address: 'a@b.test' } }]) }), /CAPTUREBOX_CHAOS rule 0: a rule at connect/);
    assert.throws(() => service({ CAPTUREBOX_CHAOS: '{"kind":"refuse"}' }), /CAPTUREBOX_CHAOS/);
  });

  it('holds at most MAX_CHAOS_RULES rules', () => {
    const chaos = service();
    for (let n = 0; n < MAX_CHAOS_RULES; n++) chaos.add(rule({ kind: 'delay', stage: 'mail', delayMs: 1 }));
    assert.throws(() => chaos.add(rule({ kind: 'delay', stage: 'mail', delayMs: 1 })), TooManyChaosRulesError);
    assert.equal(chaos.list().length, MAX_CHAOS_RULES);
  });

  it("takes, for each kind, exactly the fields @capturebox/limits says (what a CaptureEnvironment's spec.chaos passes on)", () => {
    for (const option of ChaosRuleInput.options) {
      const kind = option.shape.kind.value;
      const fields = Object.entries(option.shape).filter(([name]) => name !== 'kind');
      const needed = fields.filter(([, schema]) => !schema.safeParse(undefined).success).map(([name]) => name);
      const optional = fields.filter(([, schema]) => schema.safeParse(undefined).success).map(([name]) => name);
      assert.deepEqual({ kind, needed: needed.sort(), optional: optional.sort() }, { kind, needed: [...CHAOS_KIND_FIELDS[kind].required].sort(), optional: [...CHAOS_KIND_FIELDS[kind].optional].sort() });
    }
  });
});
