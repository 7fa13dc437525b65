import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spamProbability } from './spam-verdict';

describe('spamProbability', () => {
  it('is the score over twice the threshold, clamped to 0..1, to 3 decimals', () => {
    const at = (score: number, required = 5) => spamProbability({ score, required, rules: [] });
    assert.equal(at(-3), 0);
    assert.equal(at(0), 0);
    assert.equal(at(1.234), 0.123);
    assert.equal(at(5), 0.5, 'the threshold is one half');
    assert.equal(at(7.5), 0.75);
    assert.equal(at(10), 1);
    assert.equal(at(1000), 1);
    assert.equal(at(3, 3), 0.5);
  });

  it('with a threshold of 0 or below, is 1 from the threshold on and 0 under it', () => {
    assert.equal(spamProbability({ score: 0, required: 0, rules: [] }), 1);
    assert.equal(spamProbability({ score: -1, required: 0, rules: [] }), 0);
  });
});
