// Retention of public mail (PRODUCT §4): an inbox keeps its newest N public messages, and public mail older
// than a configured age goes; starred mail is exempt; so do the records of webhook deliveries settled
// before that age. The store does the deleting (pruneOlderThan, trimInbox, pruneUnreferencedBlobs,
// pruneSettledDeliveries); this service only decides when, and keeps failures away from capture.
//
// Mechanism: a pruning job in every process, not a TTL index. FerretDB v1 (the MongoDB-wire test server)
// has no TTL indexes; a TTL index could not exempt starred mail without a partial filter (FerretDB v1 has
// none either) nor enforce a per-inbox count; and it would leave raw sources and attachments behind, which
// the store's own deletes clean up. Every step is idempotent, so replicas sharing one database only repeat
// each other's work.
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG, type CaptureboxConfig } from '../config';
import { ROOT_LOGGER, type Logger } from '../logging';
import { MESSAGE_STORE, StoreUnavailableError, type MessageStore } from './message-store';

const HOUR_MS = 60 * 60_000;

/**
 * At most this many captures to an inbox go uncounted after a count showed room for them. Counting walks the
 * inbox's index entries (~4% of a 1 KB capture's cost when done after every capture); another replica's
 * captures are not seen here, so this also bounds how far past its limit an inbox shared by replicas can
 * get before one of them counts again.
 */
const MAX_UNCOUNTED_CAPTURES = 50;
/** Inboxes whose room is remembered; beyond this the memory starts afresh (a count per inbox again). */
const MAX_REMEMBERED_INBOXES = 10_000;

/** One inbox, as far as this process has seen it. Deletes only make more room, so `room` errs on the safe side. */
interface InboxRoom {
  /** Captures it can take before it must be counted again (0: count at the next one). */
  room: number;
  /** Captures seen for it, so a count can tell which captures happened while it was running. */
  captures: number;
}

/** What one scheduled pass removed. */
export interface PruneSummary {
  /** Public messages past the age limit. */
  expired: number;
  /** Attachment contents no message referred to any more. */
  attachments: number;
  /** Records of webhook deliveries settled before the age limit. */
  deliveries: number;
}

@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly limits: CaptureboxConfig['retention'];
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** The pass in progress, if any: passes never overlap, and shutdown waits for it. */
  private pruning: Promise<PruneSummary> | null = null;
  /** Trims in progress, awaited at shutdown so that none meets a closed store. */
  private readonly trims = new Set<Promise<void>>();
  /** What this process knows of each inbox it captured for recently (see InboxRoom). */
  private readonly inboxes = new Map<string, InboxRoom>();

  constructor(
    // Only the retention limits are read; the narrower type lets tests pass just those.
    @Inject(CONFIG) config: Pick<CaptureboxConfig, 'retention'>,
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.limits = config.retention;
    this.logger = rootLogger.child({ module: 'retention' });
  }

  onApplicationBootstrap(): void {
    this.scheduleNextPass();
  }

  // Runs before StoreModule closes the store (NestJS calls a module's providers before the module class).
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all([this.pruning, ...this.trims]);
  }

  /**
   * Called by ingest after each save: trims the inboxes the mail went to down to the per-inbox limit.
   * Never rejects: the mail is stored already, and retention must not turn that into a failed capture.
   */
  afterCapture(inboxes: string[]): Promise<void> {
    const limit = this.limits.maxMessagesPerInbox;
    if (limit <= 0) return Promise.resolve();
    const trim: Promise<void> = this.trimToLimit([...new Set(inboxes)], limit).finally(() => this.trims.delete(trim));
    this.trims.add(trim);
    return trim;
  }

  /**
   * One retention pass: public mail past the age limit, then attachment contents nothing refers to. Run by
   * the timer; public so tests can run one at a chosen `now`. Never rejects; a call while a pass is running
   * gets that pass.
   */
  pruneExpired(now: Date = new Date()): Promise<PruneSummary> {
    this.pruning ??= this.runPass(now).finally(() => {
      this.pruning = null;
    });
    return this.pruning;
  }

  private scheduleNextPass(): void {
    if (this.stopped) return;
    // A chain of timeouts, not an interval: the next pass is planned only once this one is done, so a slow
    // pass never overlaps the next. Unref'd: retention alone never keeps the process alive.
    this.timer = setTimeout(() => {
      void this.pruneExpired().then(() => this.scheduleNextPass());
    }, this.limits.intervalMs);
    this.timer.unref();
  }

  private async runPass(now: Date): Promise<PruneSummary> {
    const summary: PruneSummary = { expired: 0, attachments: 0, deliveries: 0 };
    try {
      const maxAgeHours = this.limits.maxAgeHours;
      if (maxAgeHours > 0) {
        const cutoff = new Date(now.getTime() - maxAgeHours * HOUR_MS);
        summary.expired = await this.store.pruneOlderThan(cutoff);
        // A delivery's record lives as long as mail does: one per copy and webhook would otherwise pile up.
        summary.deliveries = await this.store.pruneSettledDeliveries(cutoff);
      }
      // Even without an age limit: inbox trims and deletes through the API leave contents behind too.
      summary.attachments = await this.store.pruneUnreferencedBlobs();
    } catch (error) {
      this.report(error, 'pruning expired mail');
    }
    if (summary.expired > 0 || summary.attachments > 0 || summary.deliveries > 0) this.logger.info(summary, 'retention pass removed mail');
    return summary;
  }

  private async trimToLimit(inboxes: string[], limit: number): Promise<void> {
    for (const inbox of inboxes) {
      const known = this.knownInbox(inbox);
      known.captures++;
      if (known.room > 0) {
        // Counted recently with room to spare: this capture takes one place of it.
        known.room--;
        continue;
      }
      const capturesBefore = known.captures;
      try {
        // The cheap common case: an inbox within its limit needs no trim. The count includes starred mail,
        // so it can only overstate the public count: it never skips a trim that was needed.
        const count = await this.store.countInbox(inbox);
        if (count <= limit) {
          // Captures seen while counting may be missing from the count: they take their place of the room now.
          // (Another count may have finished first, with fresher figures: the smaller room wins.)
          const room = limit - count - (known.captures - capturesBefore);
          known.room = Math.max(0, Math.min(room, MAX_UNCOUNTED_CAPTURES, known.room || Infinity));
          continue;
        }
        const trimmed = await this.store.trimInbox(inbox, limit);
        if (trimmed > 0) this.logger.debug({ inbox, trimmed }, 'inbox trimmed to its limit');
      } catch (error) {
        this.report(error, 'trimming an inbox');
      }
    }
  }

  private knownInbox(inbox: string): InboxRoom {
    let known = this.inboxes.get(inbox);
    if (!known) {
      // Bounded memory: forgetting an inbox only costs it a count at its next capture.
      if (this.inboxes.size >= MAX_REMEMBERED_INBOXES) this.inboxes.clear();
      known = { room: 0, captures: 0 };
      this.inboxes.set(inbox, known);
    }
    return known;
  }

  private report(error: unknown, doing: string): void {
    if (error instanceof StoreUnavailableError) {
      // A passing condition: the next pass (or the next capture) tries again.
      this.logger.warn({ err: error }, `retention: store unavailable while ${doing}; trying again later`);
      return;
    }
    this.logger.error({ err: error }, `retention: ${doing} failed`);
  }
}
