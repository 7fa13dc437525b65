import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainList } from './domain-list';

describe('DomainList', () => {
  const list = new DomainList(['Mailinator.com', 'xn--bcher-kva.example']);

  it('matches a listed domain and its subdomains, in any case, and nothing else', () => {
    assert.equal(list.match('mailinator.com'), 'mailinator.com');
    assert.equal(list.match('MX.Mailinator.COM'), 'mailinator.com');
    assert.equal(list.match('notmailinator.com'), null);
    assert.equal(list.match('mailinator.com.evil.test'), null);
    assert.equal(list.match('com'), null);
  });

  it('compares internationalized domains in one form, punycode or Unicode', () => {
    assert.equal(list.match('bücher.example'), 'bücher.example');
    assert.equal(list.match('a.xn--bcher-kva.example'), 'bücher.example');
  });
});
