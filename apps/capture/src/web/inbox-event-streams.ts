// The open live-inbox streams (Server-Sent Events): one per browser tab showing an inbox. Each stream
// hears MessageEvents for its inbox, forwards the messages its reader may see (each as its REST summary, so
// the browser need not fetch it again), sends a comment every
// HEARTBEAT_MS so proxies keep the connection, and unsubscribes when the client goes. On shutdown every
// stream is ended, or the HTTP server would wait for them forever.
import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { StoredMessage } from '../domain';
import { MessageEvents } from '../events';
import { toEmailMessage, type EmailMessageView } from '../views';

export const HEARTBEAT_MS = 20_000;
/** How long a browser waits before reconnecting after the stream dropped. */
const RECONNECT_MS = 2_000;

/** Where a stream writes: the HTTP response in production, a fake in tests. */
export interface EventSink {
  write(chunk: string): void;
  end(): void;
}

/** What the UI is told about a new message: its summary, exactly as the REST API lists it. */
export type CapturedEvent = EmailMessageView;

export function formatEvent(event: string, data: unknown): string {
  // JSON never contains a raw newline, so one `data:` line carries it.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

@Injectable()
export class InboxEventStreams implements BeforeApplicationShutdown {
  private readonly open = new Set<() => void>();

  constructor(private readonly events: MessageEvents) {}

  get openCount(): number {
    return this.open.size;
  }

  /**
   * Starts a stream of `inbox` on `sink`, showing the messages `visible` (the mailbox-access rule for this
   * reader) lets through; returns its close, to call when the client goes.
   */
  openStream(inbox: string, visible: (message: StoredMessage) => boolean, sink: EventSink, heartbeatMs = HEARTBEAT_MS): () => void {
    sink.write(`retry: ${RECONNECT_MS}\n: live inbox ${inbox}\n\n`);
    const unsubscribe = this.events.onCaptured(inbox, (message: StoredMessage) => {
      if (!visible(message)) return;
      const event: CapturedEvent = toEmailMessage(message);
      sink.write(formatEvent('captured', event));
    });
    const heartbeat = setInterval(() => sink.write(': heartbeat\n\n'), heartbeatMs);
    heartbeat.unref();
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      this.open.delete(close);
      sink.end();
    };
    this.open.add(close);
    return close;
  }

  beforeApplicationShutdown(): void {
    for (const close of [...this.open]) close();
  }
}
