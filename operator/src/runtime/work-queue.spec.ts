// The work queue's promises: one worker per key at a time, no duplicates while waiting, backoff on failure.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './work-queue';
import { eventually } from './testing';

const options = { concurrency: 4, baseBackoffMs: 20, maxBackoffMs: 160 };

describe('WorkQueue', () => {
  test('a key added many times while waiting is handled once', async () => {
    const handled: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const queue = new WorkQueue(async (key) => {
      if (key === 'blocker') await gate;
      handled.push(key);
    }, { ...options, concurrency: 1 });
    queue.add('blocker');
    for (let i = 0; i < 5; i++) queue.add('ns/a');
    assert.equal(queue.depth, 1);
    release();
    await queue.idle();
    assert.deepEqual(handled, ['blocker', 'ns/a']);
  });

  test('one key is never handled by two workers at once; added while in hand, it runs once more afterwards', async () => {
    let inHand = 0;
    let maxInHand = 0;
    let runs = 0;
    const queue = new WorkQueue(async () => {
      inHand++;
      maxInHand = Math.max(maxInHand, inHand);
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      inHand--;
    }, options);
    queue.add('ns/a');
    await eventually(() => runs === 1);
    queue.add('ns/a');
    queue.add('ns/a');
    await eventually(() => runs === 2 && inHand === 0, { what: 'the second run' });
    await queue.idle();
    assert.equal(maxInHand, 1);
    assert.equal(runs, 2);
  });

  test('different keys run in parallel up to the concurrency', async () => {
    let inHand = 0;
    let maxInHand = 0;
    const queue = new WorkQueue(async () => {
      inHand++;
      maxInHand = Math.max(maxInHand, inHand);
      await new Promise((resolve) => setTimeout(resolve, 30));
      inHand--;
    }, { ...options, concurrency: 3 });
    for (let i = 0; i < 8; i++) queue.add(`ns/${i}`);
    await queue.idle();
    assert.equal(maxInHand, 3);
  });

  test('failures come back after an exponential backoff, capped; success resets it', async () => {
    const attempts: number[] = [];
    let failUntil = 4;
    const outcomes: Array<{ ok: boolean; retryInMs?: number }> = [];
    const queue = new WorkQueue(
      async () => {
        attempts.push(performance.now());
        if (attempts.length <= failUntil) throw new Error('not yet');
      },
      { ...options, onHandled: (_key, outcome) => outcomes.push(outcome) },
    );
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => queue.backoffFor(n)), [20, 40, 80, 160, 160]);
    queue.add('ns/a');
    await eventually(() => attempts.length === 5, { what: 'five attempts' });
    assert.deepEqual(outcomes.map((o) => o.retryInMs), [20, 40, 80, 160, undefined]);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]);
    gaps.forEach((gap, i) => assert.ok(gap >= [20, 40, 80, 160][i] - 2, `gap ${i}: ${gap}`));
    assert.equal(queue.failuresOf('ns/a'), 0);
    failUntil = 6;
    queue.add('ns/a');
    await eventually(() => outcomes.length === 7);
    assert.equal(outcomes[5].retryInMs, 20, 'the first failure after a success starts from the base delay again');
    await queue.shutdown();
  });

  test('a handler can ask to see its key again later; the earlier of two delays wins', async () => {
    const times: number[] = [];
    const queue = new WorkQueue(async () => {
      times.push(Date.now());
      return times.length === 1 ? { requeueAfterMs: 50 } : undefined;
    }, options);
    queue.add('ns/a');
    await eventually(() => times.length === 2, { what: 'the requeue' });
    assert.ok(times[1] - times[0] >= 45);
    queue.addAfter('ns/b', 10_000);
    queue.addAfter('ns/b', 10);
    await eventually(() => times.length === 3, { what: 'the earlier delay' });
    assert.equal(queue.delayed, 0);
    await queue.shutdown();
  });

  test('shutdown waits for keys in hand and drops the rest', async () => {
    let finished = 0;
    const queue = new WorkQueue(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      finished++;
    }, { ...options, concurrency: 1 });
    queue.add('ns/a');
    queue.add('ns/b');
    queue.addAfter('ns/c', 5);
    await eventually(() => queue.depth === 1);
    await queue.shutdown();
    assert.equal(finished, 1);
    queue.add('ns/d');
    assert.equal(queue.depth, 0);
  });
});
