import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextAttemptAt } from './retry-schedule';
import { signWebhookBody, verifyWebhookSignature } from './webhook-signature';

const policy = { backoffMaxMs: 60_000, retryForMs: 3_600_000 };
const created = new Date('2026-01-01T00:00:00Z');

void describe('nextAttemptAt', () => {
  it('waits a random time up to 1 s x 2^attempts, capped', () => {
    assert.equal(nextAttemptAt(policy, created, 0, created, () => 1)?.getTime(), created.getTime() + 1_000);
    assert.equal(nextAttemptAt(policy, created, 3, created, () => 0.5)?.getTime(), created.getTime() + 4_000);
    assert.equal(nextAttemptAt(policy, created, 20, created, () => 1)?.getTime(), created.getTime() + 60_000, 'the cap');
    assert.equal(nextAttemptAt(policy, created, 5, created, () => 0)?.getTime(), created.getTime(), 'full jitter reaches 0');
  });

  it('gives up once the next attempt would come later than the retry bound after the delivery was made', () => {
    const late = new Date(created.getTime() + 3_599_000);
    assert.equal(nextAttemptAt(policy, created, 10, late, () => 1), null);
    assert.ok(nextAttemptAt(policy, created, 10, late, () => 0));
  });
});

void describe('webhook signatures', () => {
  const at = new Date('2026-01-01T00:00:00Z');
  const header = signWebhookBody('whsec_test', '{"a":1}', at);

  it('signs t.body with HMAC-SHA256 in the documented header shape', () => {
    assert.match(header, /^t=1767225600,v1=[0-9a-f]{64}$/);
    assert.ok(verifyWebhookSignature('whsec_test', '{"a":1}', header, at));
  });

  it('refuses another body, another secret, and an old timestamp (replay)', () => {
    assert.equal(verifyWebhookSignature('whsec_test', '{"a":2}', header, at), false);
    assert.equal(verifyWebhookSignature('whsec_other', '{"a":1}', header, at), false);
    assert.equal(verifyWebhookSignature('whsec_test', '{"a":1}', header, new Date(at.getTime() + 301_000)), false);
  });
});
