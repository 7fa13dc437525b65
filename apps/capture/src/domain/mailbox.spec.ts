import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { domainOf, inboxOf, normalizeDomain } from './mailbox';

describe('inboxOf', () => {
  test('one normal form for every spelling of an address: case, and punycode or Unicode domains', () => {
    for (const spelling of ['u@xn--bcher-kva.test', 'U@XN--BCHER-KVA.TEST', 'u@bücher.test', ' u@BÜCHER.test ']) assert.equal(inboxOf(spelling), 'u@bücher.test', spelling);
    assert.equal(inboxOf('Someone@Example.COM'), 'someone@example.com');
    assert.equal(domainOf('u@xn--bcher-kva.test'), 'bücher.test');
  });

  test('keeps what is no domain name as given (lower-cased): address literals, bad punycode, bare names', () => {
    assert.equal(inboxOf('a@[192.0.2.1]'), 'a@[192.0.2.1]');
    assert.equal(normalizeDomain('XN--ZZ.test'), 'xn--zz.test');
    assert.equal(inboxOf('Postmaster'), 'postmaster');
  });
});
