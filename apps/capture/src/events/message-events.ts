// In-process notifications that mail arrived, for live views (the web UI's inbox, later Mailsac's
// WebSocket). Published by ingest only after the store has the message. Process-local: with several
// replicas on one MongoDB, a listener hears only the mail its own replica captured.
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { StoredMessage } from '../domain';

export type CapturedListener = (message: StoredMessage) => void;

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
    for (const copy of copies) {
      this.byInbox.emit(copy.inbox, copy);
      this.everything.emit('captured', copy);
    }
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
