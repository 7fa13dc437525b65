import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestException, NotFoundException } from '@nestjs/common';
import { FAILURES, httpFailureOf, metricOfSmtpReply } from '.';

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

  test('a reply counts toward the row whose code and text it carries, else the first row with its code', () => {
    assert.equal(metricOfSmtpReply(451, '4.4.2 DATA took too long, try again later'), 'timeout');
    assert.equal(metricOfSmtpReply(451, '4.3.2 Too much mail in progress, try again later'), 'limits');
    assert.equal(metricOfSmtpReply(451, '4.3.0 Storage is temporarily unavailable, try again later'), 'store');
    assert.equal(metricOfSmtpReply(451, 'something of smtp-server'), 'store');
    assert.equal(metricOfSmtpReply(538), 'auth');
    assert.equal(metricOfSmtpReply(500), null);
    assert.equal(metricOfSmtpReply(421, 'Timeout - closing connection'), null);
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
