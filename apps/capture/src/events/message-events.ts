// In-process notifications that mail arrived, for live views (the web UI's inbox, later Mailsac's
// WebSocket) and waits. Published by ingest only after the store has the message (`publishCaptured`, the
// one "after captured" point), and, with several replicas on one MongoDB, by waiting/ReplicaFeed for mail
// another replica captured (`publishCapturedElsewhere`). onCaptured/onAnyCaptured hear both; what must
// happen once per message (webhooks) listens with onCapturedHere, which hears only this process's captures.
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { StoredMessage } from '../domain';

export type CapturedListener = (message: StoredMessage) => void;

/** What is listened to now: inboxes with a listener, and whether anything listens to all mail. */
export interface WatchedMail {
  inboxes: string[];
  beyondInboxes: boolean;
}

@Injectable()
export class MessageEvents implements OnApplicationShutdown {
  private readonly byInbox = new EventEmitter();
  private readonly everything = new EventEmitter();

  constructor() {
    // One listener per open browser tab: the default limit of 10 would warn spuriously.
    this.byInbox.setMaxListeners(0);
    this.everything.setMaxListeners(0);
  }

  publishCaptured(copies: StoredMessage[]): void {
    for (const copy of copies) this.everything.emit('captured-here', copy);
    this.publishCapturedElsewhere(copies);
  }

  /** Mail another replica stored (seen in the shared store): heard by live views and waits only. */
  publishCapturedElsewhere(copies: StoredMessage[]): void {
    for (const copy of copies) {
      this.byInbox.emit(copy.inbox, copy);
      this.everything.emit('captured', copy);
    }
  }

  /** What live views and waits listen to now: what another replica's mail is worth looking for. */
  watched(): WatchedMail {
    return { inboxes: this.byInbox.eventNames().map(String), beyondInboxes: this.everything.listenerCount('captured') > 0 };
  }

  /** Calls `listener` for each copy this process captured (never for another replica's). */
  onCapturedHere(listener: CapturedListener): () => void {
    this.everything.on('captured-here', listener);
    return () => this.everything.off('captured-here', listener);
  }

  /** Calls `listener` for each message captured into `inbox` (lower-case); returns the unsubscribe. */
  onCaptured(inbox: string, listener: CapturedListener): () => void {
    this.byInbox.on(inbox, listener);
    return () => this.byInbox.off(inbox, listener);
  }

  /** Calls `listener` for every captured copy, whatever its inbox; returns the unsubscribe. */
  onAnyCaptured(listener: CapturedListener): () => void {
    this.everything.on('captured', listener);
    return () => this.everything.off('captured', listener);
  }

  onApplicationShutdown(): void {
    this.byInbox.removeAllListeners();
    this.everything.removeAllListeners();
  }
}
