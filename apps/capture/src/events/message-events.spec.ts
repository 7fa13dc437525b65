import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeCapturedMail, makeCopies } from '../store/testing';
import { MessageEvents } from './message-events';

describe('MessageEvents', () => {
  test('delivers each copy to its own inbox listeners and to catch-all listeners, until unsubscribed', () => {
    const events = new MessageEvents();
    const mail = makeCapturedMail({ envelope: { mailFrom: 'a@example.com', rcptTo: ['one@example.com', 'two@example.com'] } });
    const copies = makeCopies(mail);
    const heardByOne: string[] = [];
    const heardByAll: string[] = [];
    const stopOne = events.onCaptured('one@example.com', (m) => heardByOne.push(m.id));
    const stopAll = events.onAnyCaptured((m) => heardByAll.push(m.inbox));

    events.publishCaptured(copies);
    assert.deepEqual(heardByOne, [copies[0].id]);
    assert.deepEqual(heardByAll, ['one@example.com', 'two@example.com']);

    stopOne();
    stopAll();
    events.publishCaptured(copies);
    assert.equal(heardByOne.length, 1);
    assert.equal(heardByAll.length, 2);
  });
});
