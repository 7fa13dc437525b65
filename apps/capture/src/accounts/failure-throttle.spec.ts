import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureThrottle } from './failure-throttle';

describe('FailureThrottle', () => {
  test('the first failures are free, then each one doubles the delay up to the cap', () => {
    let now = 0;
    const throttle = new FailureThrottle(() => now);
    const delays = Array.from({ length: 10 }, () => throttle.recordFailure('10.0.0.1'));
    assert.deepEqual(delays, [0, 0, 250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
    assert.equal(throttle.delayFor('10.0.0.2'), 0, 'other clients are not slowed');
    now += 16 * 60_000;
    assert.equal(throttle.delayFor('10.0.0.1'), 0, 'forgotten after a quiet spell');
  });

  test('a success clears the record', () => {
    const throttle = new FailureThrottle();
    for (let n = 0; n < 5; n++) throttle.recordFailure('c');
    assert.ok(throttle.delayFor('c') > 0);
    throttle.recordSuccess('c');
    assert.equal(throttle.delayFor('c'), 0);
  });
});
