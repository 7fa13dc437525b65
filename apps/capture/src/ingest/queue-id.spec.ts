import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newQueueId } from './queue-id';

describe('newQueueId', () => {
  it('is 28 characters of the URL-safe base64 alphabet', () => {
    for (let i = 0; i < 100; i++) assert.match(newQueueId(), /^[A-Za-z0-9_-]{28}$/);
  });

  it('does not repeat over 10,000 draws', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newQueueId()));
    assert.equal(ids.size, 10_000);
  });
});
