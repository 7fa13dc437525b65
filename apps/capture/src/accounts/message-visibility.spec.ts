import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Account } from './account';
import { mayReadInboxes, mayReadMessage } from './message-visibility';

const account = (id: string, isAdmin = false): Account => ({ id, username: id, isAdmin, capturePrivate: false, messageLimit: 100 });

describe('web UI visibility (same rule as the API)', () => {
  test('public mail: everyone; starred mail: its owner and admins only', () => {
    assert.equal(mayReadMessage(null, { savedBy: null }), true);
    assert.equal(mayReadMessage(null, { savedBy: 'alice' }), false);
    assert.equal(mayReadMessage(account('bob'), { savedBy: 'alice' }), false);
    assert.equal(mayReadMessage(account('alice'), { savedBy: 'alice' }), true);
    assert.equal(mayReadMessage(account('root', true), { savedBy: 'alice' }), true);
  });

  test('anonymous reading follows the appliance switch; signed-in callers may always read', () => {
    assert.equal(mayReadInboxes(null, true), true);
    assert.equal(mayReadInboxes(null, false), false);
    assert.equal(mayReadInboxes(account('bob'), false), true);
  });
});
