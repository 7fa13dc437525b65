// With several replicas on one MongoDB, a message captured by another replica never passes this process's
// "after captured" point, yet a wait, a live inbox or a WebSocket here must still see it. While anything
// listens (and only then), the feed asks the shared store, once per interval for all listeners together,
// for recent mail in what they watch (MessageEvents.watched()), and publishes each copy it has not seen as
// captured elsewhere: listeners then hear it exactly as a local capture. One query per interval per process,
// whatever the number of listeners; none with the embedded store.
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { CONFIG, type CaptureboxConfig } from '../config';
import { MessageEvents } from '../events';
import { ROOT_LOGGER, type Logger } from '../logging';
import { MESSAGE_STORE, type MessageStore, type SearchScope } from '../store';

/**
 * How far back each look reaches: a message becomes visible in the store a little after its `received`
 * instant (the time to store it), and replicas' clocks differ a little. Copies seen within it are not
 * published twice.
 */
const LOOKBACK_MS = 5_000;
/** Copies per look; a busier window is read page by page, up to this many pages. */
const PAGE = 500;
const MAX_PAGES = 10;

@Injectable()
export class ReplicaFeed implements OnModuleInit, OnApplicationShutdown {
  /** Copy ids published (here or by the feed) within the look-back, with when they may be forgotten. */
  private readonly seen = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private stopListening: (() => void) | null = null;
  private stopped = false;
  private readonly logger: Logger;

  constructor(
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    @Inject(CONFIG) private readonly config: CaptureboxConfig,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
    private readonly events: MessageEvents,
  ) {
    this.logger = rootLogger.child({ module: 'replica-feed' });
  }

  /** Only a shared store has other replicas' mail in it. */
  get active(): boolean {
    return this.config.mongodbUri !== undefined;
  }

  onModuleInit(): void {
    if (!this.active) return;
    this.stopListening = this.events.onCapturedHere((message) => this.remember(message.id));
    this.schedule();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.stopListening?.();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.look()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'replica feed: could not read recent mail'))
        .finally(() => this.schedule());
    }, this.config.waits.replicaFeedIntervalMs);
    this.timer.unref();
  }

  /** One look for what is listened to; nothing at all while nothing listens. */
  async look(now = Date.now()): Promise<void> {
    const watched = this.events.watched();
    if (!watched.beyondInboxes && watched.inboxes.length === 0) return;
    const scope: SearchScope = watched.beyondInboxes ? { kind: 'everything' } : { kind: 'inboxes', inboxes: watched.inboxes };
    this.forgetOlderThan(now);
    for (let page = 0; page < MAX_PAGES; page++) {
      const found = await this.store.searchMessages({ scope, since: new Date(now - LOOKBACK_MS), order: 'oldest', limit: PAGE, skip: page * PAGE });
      const unseen = found.filter((message) => !this.seen.has(message.id));
      for (const message of unseen) this.remember(message.id, now);
      if (unseen.length > 0) this.events.publishCapturedElsewhere(unseen);
      if (found.length < PAGE) return;
    }
  }

  private remember(id: string, now = Date.now()): void {
    this.seen.set(id, now + 2 * LOOKBACK_MS);
  }

  private forgetOlderThan(now: number): void {
    for (const [id, until] of this.seen) if (until < now) this.seen.delete(id);
  }
}

