import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestException, NotFoundException } from '@nestjs/common';
import { FAILURES, REJECTION_REASONS, httpFailureOf, metricOfEngineReply } from '.';

/** What body-parser throws (an http-errors error), without depending on http-errors here. */
const createError = (status: number, message: string) => Object.assign(new Error(message), { status, statusCode: status, expose: status < 500 });

describe('the error table', () => {
  test('every SMTP row has a 3-digit code, a matching enhanced status class and a text', () => {
    for (const [name, row] of Object.entries(FAILURES)) {
      const smtp = (row as { smtp?: { code: number; enhanced: string; text: string } }).smtp;
      if (!smtp) continue;
      assert.match(String(smtp.code), /^[245]\d\d$/, name);
      assert.equal(smtp.enhanced[0], String(smtp.code)[0], `${name}: enhanced class matches the code`);
      assert.ok(smtp.text.length > 0, name);
    }
  });

  test('each refusal row counts under a reason of its own, its row name, and every reason is declared', () => {
    const rows = Object.entries(FAILURES).flatMap(([name, row]) => ('smtp' in row ? [[name, row.smtp.metric] as const] : []));
    for (const [name, metric] of rows) {
      if (metric === null || metric === 'auth_failed') continue;
      assert.equal(metric, name, `${name} counts under its own name`);
      assert.ok(REJECTION_REASONS.includes(metric), `${name} is a declared reason`);
    }
    const used = new Set<string>(rows.map(([, metric]) => metric ?? '').concat(['syntax', 'other']));
    assert.deepEqual(REJECTION_REASONS.filter((reason) => !used.has(reason)), [], 'no declared reason is left unused');
  });

  test("smtp-server's own replies count by its code; its command errors and 421s count as nothing", () => {
    assert.equal(metricOfEngineReply(552), 'message_too_big');
    assert.equal(metricOfEngineReply(530), 'auth_required');
    assert.equal(metricOfEngineReply(501), 'syntax');
    assert.equal(metricOfEngineReply(535), 'auth_failed');
    assert.equal(metricOfEngineReply(451), 'other');
    assert.equal(metricOfEngineReply(500), null);
    assert.equal(metricOfEngineReply(421), null);
    assert.equal(metricOfEngineReply(250), null);
  });

  test('framework errors keep their 4xx; named errors take their row; anything else is 500 without its insides', () => {
    assert.deepEqual(httpFailureOf(createError(413, 'request entity too large')), { status: 413, message: 'request entity too large' });
    assert.equal(httpFailureOf(createError(415, 'unsupported charset "BOGUS"')).status, 415);
    assert.equal(httpFailureOf(new NotFoundException('Cannot GET /x')).status, 404);
    assert.equal(httpFailureOf(new BadRequestException('Invalid message id.')).message, 'Invalid message id.');
    assert.deepEqual(httpFailureOf(Object.assign(new Error('The domain belongs to another account.'), { failure: 'conflict' })), { status: 409, message: 'The domain belongs to another account.' });
    assert.deepEqual(httpFailureOf(Object.assign(new Error('sqlite: disk I/O error at /data'), { failure: 'store_unavailable' })), {
      status: 503,
      message: FAILURES.store_unavailable.http.message,
    });
    assert.deepEqual(httpFailureOf(new TypeError('x.split is not a function')), { status: 500, message: 'Internal error.' });
    assert.equal(httpFailureOf(createError(500, 'boom')).status, 500, 'a 5xx http-error is ours, not the client’s');
  });
});
