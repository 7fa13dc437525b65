import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mayReadMessage, type Account } from '../accounts';
import { MessageEvents } from '../events';
import { makeCapturedMail, makeCopies } from '../store/testing';
import { toEmailMessage } from '../views';
import { InboxEventStreams } from './inbox-event-streams';

class RecordingSink {
  readonly chunks: string[] = [];
  ended = false;
  write(chunk: string): void {
    this.chunks.push(chunk);
  }
  end(): void {
    this.ended = true;
  }
  events(): Array<{ event: string; data: unknown }> {
    return this.chunks
      .filter((chunk) => chunk.startsWith('event: '))
      .map((chunk) => {
        const [eventLine, dataLine] = chunk.split('\n');
        return { event: eventLine.slice('event: '.length), data: JSON.parse(dataLine.slice('data: '.length)) };
      });
  }
}

const alice: Account = { id: 'alice', username: 'alice', isAdmin: false, capturePrivate: false, messageLimit: 100 };

function captured(inbox: string, savedBy: string | null = null) {
  const mail = makeCapturedMail({ to: [{ address: inbox, name: '' }] });
  return makeCopies(mail, [inbox], { savedBy });
}

describe('InboxEventStreams', () => {
  test('streams the inbox’s new messages, only those the reader may see, until closed', () => {
    const events = new MessageEvents();
    const streams = new InboxEventStreams(events);
    const anonymous = new RecordingSink();
    const owner = new RecordingSink();
    const closeAnonymous = streams.openStream('box@example.com', (message) => mayReadMessage(null, message), anonymous);
    streams.openStream('box@example.com', (message) => mayReadMessage(alice, message), owner);
    assert.match(anonymous.chunks[0], /^retry: \d+\n/);

    const publicCopy = captured('box@example.com');
    const privateCopy = captured('box@example.com', 'alice');
    events.publishCaptured(publicCopy);
    events.publishCaptured(privateCopy);
    events.publishCaptured(captured('other@example.com'));

    // The whole summary, as GET /api/addresses/:email/messages lists it: no second request per arrival.
    const publicEvent = toEmailMessage(publicCopy[0]);
    assert.deepEqual(anonymous.events(), [{ event: 'captured', data: publicEvent }]);
    assert.deepEqual(owner.events().map((e) => (e.data as { _id: string })._id), [publicCopy[0].id, privateCopy[0].id]);

    closeAnonymous();
    assert.equal(anonymous.ended, true);
    events.publishCaptured(captured('box@example.com'));
    assert.equal(anonymous.events().length, 1, 'nothing after close');
    assert.equal(owner.events().length, 3);
    assert.equal(streams.openCount, 1);
  });

  test('sends heartbeat comments, and ends every open stream before the app shuts down', async () => {
    const streams = new InboxEventStreams(new MessageEvents());
    const sink = new RecordingSink();
    streams.openStream('box@example.com', () => true, sink, 10);
    await new Promise((resolve) => setTimeout(resolve, 35));
    assert.ok(sink.chunks.filter((chunk) => chunk === ': heartbeat\n\n').length >= 2);
    streams.beforeApplicationShutdown();
    assert.equal(sink.ended, true);
    assert.equal(streams.openCount, 0);
    const count = sink.chunks.length;
    await new Promise((resolve) => setTimeout(resolve, 25));
    assert.equal(sink.chunks.length, count, 'no heartbeat after close');
  });
});
