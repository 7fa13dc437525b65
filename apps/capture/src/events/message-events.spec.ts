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

  test("another replica's captures reach live views and waits, but not what listens for this process's own", () => {
    const events = new MessageEvents();
    const [here] = makeCopies(makeCapturedMail());
    const [elsewhere] = makeCopies(makeCapturedMail());
    const heard: string[] = [];
    const heardHere: string[] = [];
    events.onAnyCaptured((m) => heard.push(m.id));
    events.onCapturedHere((m) => heardHere.push(m.id));
    events.publishCaptured([here]);
    events.publishCapturedElsewhere([elsewhere]);
    assert.deepEqual(heard, [here.id, elsewhere.id]);
    assert.deepEqual(heardHere, [here.id]);
  });
});
