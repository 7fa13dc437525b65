// Scores each transaction this process captured with spamd, after the save, and records the verdict on its
// copies. After, not before: the 250 never waits for spamd (SpamAssassin takes 0.1-1 s a message, which a
// load test would feel), and a spamd that is down, slow or refusing costs no message. The price: a message
// is not scored for the moment between its 250 and its verdict (its `spam` is absent then, as it stays when
// scoring fails), and a crash in that moment leaves it not scored for good. Bounded: a few checks at once,
// a queue of limited length beyond which transactions are skipped (not scored), each check under a deadline.
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { CONFIG, type CaptureboxConfig } from '../config';
import type { StoredMessage } from '../domain';
import { MessageEvents } from '../events';
import { ROOT_LOGGER, type Logger } from '../logging';
import { CaptureMetrics } from '../metrics';
import { MESSAGE_STORE, type MessageStore } from '../store';
import { checkWithSpamd } from './spamd-client';

/** spamc's own default: larger mail is not sent to spamd (SpamAssassin is slow on it and spammers send little). */
export const MAX_SCORED_BYTES = 500 * 1024;
/** Checks at once: spamd's default child count is 5. */
const CONCURRENCY = 4;
/** Transactions waiting for a check; past it a burst is not scored rather than held in memory. */
const MAX_WAITING = 1_000;

@Injectable()
export class SpamScorer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly waiting: StoredMessage[] = [];
  /** Queue ids waiting or being checked: a transaction's copies arrive one by one, it is scored once. */
  private readonly queued = new Set<string>();
  private running = 0;
  private unsubscribe: (() => void) | undefined;
  private readonly idle = new Set<() => void>();

  constructor(
    @Inject(CONFIG) private readonly config: CaptureboxConfig,
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    private readonly events: MessageEvents,
    private readonly metrics: CaptureMetrics,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.checks.spamd) return;
    this.unsubscribe = this.events.onCapturedHere((copy) => this.enqueue(copy));
  }

  /** Lets the checks under way finish (they are bounded by the deadline); what still waits stays not scored. */
  async beforeApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    this.waiting.length = 0;
    if (this.running > 0) await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  private enqueue(copy: StoredMessage): void {
    if (this.queued.has(copy.queueId)) return;
    if (copy.size > MAX_SCORED_BYTES || this.waiting.length >= MAX_WAITING) {
      this.metrics.spamChecksTotal.inc({ outcome: 'skipped' });
      return;
    }
    this.queued.add(copy.queueId);
    this.waiting.push(copy);
    this.pump();
  }

  private pump(): void {
    while (this.running < CONCURRENCY && this.waiting.length > 0) {
      const copy = this.waiting.shift() as StoredMessage;
      this.running++;
      void this.score(copy).finally(() => {
        this.running--;
        this.queued.delete(copy.queueId);
        if (this.running === 0) for (const resolve of this.idle) resolve();
        this.pump();
      });
    }
  }

  private async score(copy: StoredMessage): Promise<void> {
    const spamd = this.config.checks.spamd;
    if (!spamd) return;
    try {
      const raw = await this.store.getRaw(copy.inbox, copy.id);
      if (!raw) return; // deleted before its turn
      const verdict = await checkWithSpamd(spamd, raw, this.config.checks.spamdTimeoutMs);
      await this.store.recordSpamVerdict(copy.queueId, verdict);
      this.metrics.spamChecksTotal.inc({ outcome: 'scored' });
      this.logger.debug({ queueId: copy.queueId, score: verdict.score, rules: verdict.rules.length }, 'spam scored');
    } catch (error) {
      this.metrics.spamChecksTotal.inc({ outcome: 'failed' });
      this.logger.warn({ queueId: copy.queueId, err: error }, 'could not score spam: the message stays not scored');
    }
  }
}
