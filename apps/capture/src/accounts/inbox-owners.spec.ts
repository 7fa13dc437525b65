import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InboxOwners } from './inbox-owners';

describe('InboxOwners', () => {
  const owners = new InboxOwners(new Map([['ci@team.test', 'team'], ['anyone@public.test', null]]));

  it('answers for the inboxes it was made for, whatever the case of the address', () => {
    assert.equal(owners.of('ci@team.test'), 'team');
    assert.equal(owners.of('CI@Team.Test'), 'team');
    assert.equal(owners.of('anyone@public.test'), null);
  });

  it('refuses an inbox it was not made for, rather than calling it public', () => {
    assert.throws(() => owners.of('other@team.test'), /was not looked up/);
  });
});
