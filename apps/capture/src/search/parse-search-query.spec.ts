import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_QUERY_LENGTH, MAX_QUERY_TERMS, parseSearchQuery, SearchQueryError } from './parse-search-query';

const NOW = new Date('2026-12-01T12:00:00Z');
const parse = (query: string) => parseSearchQuery(query, NOW);

function refuses(query: string, pattern: RegExp): void {
  assert.throws(() => parse(query), (error: unknown) => error instanceof SearchQueryError && error.failure === 'bad_request' && pattern.test(error.message), query);
}

void describe('parseSearchQuery', () => {
  it('reads words, phrases and field operators as ANDed conditions', () => {
    assert.deepEqual(parse('from:shop.test subject:"your code" Reset "Café crème" to:me@x.test label:Important'), {
      allOf: [
        { field: 'from', contains: 'shop.test' },
        { field: 'subject', contains: 'your code' },
        { field: 'words', words: ['reset'] },
        { field: 'words', words: ['cafe', 'creme'] },
        { field: 'to', contains: 'me@x.test' },
        { field: 'label', is: 'Important' },
      ],
    });
    assert.deepEqual(parse('user@example.com'), { allOf: [{ field: 'words', words: ['user', 'example', 'com'] }] }, 'an address is a phrase of its words');
    assert.deepEqual(parse('FROM:a SUBJECT:b'), { allOf: [{ field: 'from', contains: 'a' }, { field: 'subject', contains: 'b' }] }, 'operators in any case');
  });

  it('takes an empty or blank query as no condition at all', () => {
    assert.deepEqual(parse(''), {});
    assert.deepEqual(parse(' \t\n '), {});
  });

  it('negates any term with a leading -', () => {
    assert.deepEqual(parse('-spam -from:bank -label:done -"out of office"'), {
      noneOf: [
        { field: 'words', words: ['spam'] },
        { field: 'from', contains: 'bank' },
        { field: 'label', is: 'done' },
        { field: 'words', words: ['out', 'of', 'office'] },
      ],
    });
    assert.deepEqual(parse('is:starred is:unread has:attachment'), { starred: true, read: false, hasAttachment: true });
    assert.deepEqual(parse('-is:starred -is:unread -has:attachment'), { starred: false, read: true, hasAttachment: false });
    assert.deepEqual(parse('is:read'), { read: true });
    assert.deepEqual(parse('-is:read'), { read: false });
  });

  it('reads dates as UTC days, ISO instants or times ago; after is inclusive, before exclusive, negated each is the other', () => {
    assert.deepEqual(parse('after:2026-11-01 before:2026-12-01'), { since: new Date('2026-11-01T00:00:00Z'), until: new Date('2026-12-01T00:00:00Z') });
    assert.deepEqual(parse('after:2026-11-30T08:00:00+01:00'), { since: new Date('2026-11-30T07:00:00Z') });
    assert.deepEqual(parse('after:2d before:30m'), { since: new Date('2026-11-29T12:00:00Z'), until: new Date('2026-12-01T11:30:00Z') });
    assert.deepEqual(parse('after:1w after:1h'), { since: new Date('2026-12-01T11:00:00Z') }, 'the later lower bound wins');
    assert.deepEqual(parse('-after:2026-11-01'), { until: new Date('2026-11-01T00:00:00Z') });
    assert.deepEqual(parse('-before:2026-11-01'), { since: new Date('2026-11-01T00:00:00Z') });
  });

  it('reads sizes in bytes, k, M and G (1024s), as strict bounds', () => {
    assert.deepEqual(parse('larger:10k smaller:2.5M'), { largerThan: 10_240, smallerThan: 2_621_440 });
    assert.deepEqual(parse('larger:500 larger:1kb'), { largerThan: 1024 });
    assert.deepEqual(parse('-larger:100'), { smallerThan: 101 }, 'not larger than 100 bytes');
    assert.deepEqual(parse('-smaller:100'), { largerThan: 99 });
    assert.deepEqual(parse('smaller:1G'), { smallerThan: 1024 ** 3 });
  });

  it('refuses what it cannot read with a 400 that says why', () => {
    refuses('subject:"unterminated', /Unterminated quote/);
    refuses('"a"b', /space after the closing quote/);
    refuses('ab"c', /Quote a whole term/);
    refuses('from:', /from: needs a value/);
    refuses('- word', /must be followed/);
    refuses('https://example.com', /Unknown operator https:.*quote/);
    refuses('is:important', /is: takes starred, unread or read/);
    refuses('has:link', /has: takes attachment/);
    refuses('after:yesterday', /after: takes a day/);
    refuses('before:2026-13-45', /before: takes a day/);
    refuses('after:12', /after: takes a day/);
    refuses('larger:huge', /larger: takes a size/);
    refuses('larger:99999999999999', /larger: takes a size/);
    refuses('!!! ...', /no letters or digits/);
    refuses('is:read is:unread', /contradicts/);
    refuses('is:starred -is:starred', /contradicts/);
  });

  it('bounds hostile input: length, term count, value length; FTS and regex syntax are only words', () => {
    refuses('a'.repeat(MAX_QUERY_LENGTH + 1), /at most 1000 characters/);
    refuses(Array.from({ length: MAX_QUERY_TERMS + 1 }, (_, n) => `w${n}`).join(' '), /at most 20 terms/);
    assert.equal(parse(Array.from({ length: MAX_QUERY_TERMS }, (_, n) => `w${n}`).join(' ')).allOf?.length, MAX_QUERY_TERMS);
    refuses(`subject:${'x'.repeat(257)}`, /at most 256 characters/);
    refuses(`label:${'x'.repeat(101)}`, /at most 100 characters/);
    assert.deepEqual(parse('"NEAR(a b)" a* ^b OR'), {
      allOf: [
        { field: 'words', words: ['near', 'a', 'b'] },
        { field: 'words', words: ['a'] },
        { field: 'words', words: ['b'] },
        { field: 'words', words: ['or'] },
      ],
    });
    assert.deepEqual(parse('subject:.*(a+)+$'), { allOf: [{ field: 'subject', contains: '.*(a+)+$' }] }, 'a substring, escaped by the stores');
    assert.deepEqual(parse('\u0000x\u202e'), { allOf: [{ field: 'words', words: ['x'] }] });
    // Quadratic-time parsing would show on the longest query of many quotes and operators.
    const started = process.hrtime.bigint();
    for (let n = 0; n < 200; n++) assert.throws(() => parse('a:"'.repeat(333)));
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 2000, 'parses fast');
  });
});
