import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Account } from './account';
import { mayReadInbox, mayReadInboxes, mayReadMessage } from './message-visibility';

const account = (id: string, isAdmin = false): Account => ({ id, username: id, isAdmin, capturePrivate: false, messageLimit: 100 });

describe('the visibility rule (API and web UI)', () => {
  test('public mail: everyone; starred mail: the account that starred it and admins only', () => {
    assert.equal(mayReadMessage(null, { savedBy: null }), true);
    assert.equal(mayReadMessage(null, { savedBy: 'alice' }), false);
    assert.equal(mayReadMessage(account('bob'), { savedBy: 'alice' }), false);
    assert.equal(mayReadMessage(account('alice'), { savedBy: 'alice' }), true);
    assert.equal(mayReadMessage(account('root', true), { savedBy: 'alice' }), true);
  });

  test('mail in an owned inbox: its owner and admins only, starred or not', () => {
    assert.equal(mayReadMessage(null, { savedBy: null }, 'alice'), false);
    assert.equal(mayReadMessage(account('bob'), { savedBy: null }, 'alice'), false);
    assert.equal(mayReadMessage(account('alice'), { savedBy: null }, 'alice'), true);
    assert.equal(mayReadMessage(account('root', true), { savedBy: null }, 'alice'), true);
    assert.equal(mayReadMessage(account('bob'), { savedBy: 'bob' }, 'alice'), true, 'what bob starred stays his');
    assert.equal(mayReadMessage(account('alice'), { savedBy: 'bob' }, 'alice'), true, 'the owner keeps her inbox');
    assert.equal(mayReadMessage(null, { savedBy: 'bob' }, 'alice'), false);
  });

  test('listing an inbox: owned ones by their owner; public ones per the appliance switch', () => {
    assert.equal(mayReadInbox(null, 'alice', true), false);
    assert.equal(mayReadInbox(account('bob'), 'alice', true), false);
    assert.equal(mayReadInbox(account('alice'), 'alice', false), true);
    assert.equal(mayReadInbox(null, null, true), true);
    assert.equal(mayReadInbox(null, null, false), false);
    assert.equal(mayReadInboxes(account('bob'), false), true);
  });
});
