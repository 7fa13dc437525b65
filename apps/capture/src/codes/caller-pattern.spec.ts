import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCallerPattern, matchCallerPattern, MAX_PATTERN_LENGTH, PATTERN_TIMEOUT_MS, PatternRejected } from './caller-pattern';

const parts = { subject: 'Ticket T-1001', text: 'ref: ab-77x and ref: cd-88y, again ref: ab-77x', html: '<p>REF: EF-99Z</p><style>ref: no-00</style>' };

describe('a caller pattern', () => {
  it('returns its matches (the first group when there is one) in source order, each once, with their source', () => {
    assert.deepEqual(matchCallerPattern({ source: 'ref: ([a-z]{2}-\\d\\dx?)', flags: '' }, parts), [
      { value: 'ab-77x', source: 'text' },
      { value: 'cd-88', source: 'text' },
    ]);
    assert.deepEqual(matchCallerPattern({ source: 'ref: [a-z]{2}-\\d\\d[a-z]', flags: 'i' }, parts).map((code) => code.value), [
      'ref: ab-77x',
      'ref: cd-88y',
      'REF: EF-99Z',
    ]);
    assert.deepEqual(matchCallerPattern({ source: 'T-\\d+', flags: '' }, parts), [{ value: 'T-1001', source: 'subject' }]);
    assert.deepEqual(matchCallerPattern({ source: 'x*', flags: '' }, parts).map((code) => code.value), ['x'], 'empty matches are skipped');
  });

  it('rejects bad syntax, unknown flags and long patterns', () => {
    for (const pattern of [{ source: '(', flags: '' }, { source: 'a', flags: 'g' }, { source: 'a', flags: 'ii' }, { source: 'a'.repeat(MAX_PATTERN_LENGTH + 1), flags: '' }, { source: '', flags: '' }]) {
      assert.throws(() => checkCallerPattern(pattern), PatternRejected, JSON.stringify(pattern).slice(0, 40));
    }
  });

  it('stops a catastrophically backtracking pattern at its deadline with PatternRejected', () => {
    const hostile = { subject: '', text: `${'a'.repeat(50_000)}!`, html: null };
    for (const source of ['(a+)+$', '([a-z]+)*Q', '(a|a?)+b', '(?:a*)*b']) {
      const started = performance.now();
      assert.throws(() => matchCallerPattern({ source, flags: '' }, hostile), (error: Error) => error instanceof PatternRejected && /took longer/.test(error.message), source);
      const took = performance.now() - started;
      assert.ok(took < PATTERN_TIMEOUT_MS * 3, `${source}: ${took.toFixed(0)} ms`);
    }
    assert.deepEqual(matchCallerPattern({ source: 'a{3}!', flags: '' }, hostile), [{ value: 'aaa!', source: 'text' }], 'the next search works');
  });

  it('cannot reach anything outside its texts', () => {
    assert.deepEqual(matchCallerPattern({ source: 'process|require', flags: '' }, { subject: 'nothing', text: null, html: null }), []);
  });
});
