// Sends queued webhook deliveries, one worker per process, never on the SMTP path: ingest only enqueues (in
// the store write that keeps the message), and this loop claims due deliveries under a lease, POSTs them
// with a timeout, and settles each: delivered on a 2xx, else retried with backoff until the retry bound.
// Replicas on one MongoDB share the queue; the claim (store/) gives each delivery to one of them at a time.
//
// At least once: a process killed between the receiver's answer and the settle, or a POST that outlives its
// lease, leads to the delivery being sent again after the lease runs out, with the same Capturebox-Delivery
// id, which is what a receiver deduplicates by.
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { AccountWebhooks, type StoredWebhook } from '../accounts';
import { CONFIG, type CaptureboxConfig } from '../config';
import { MessageEvents } from '../events';
import { ROOT_LOGGER, type Logger } from '../logging';
import { CaptureMetrics } from '../metrics';
import { PushedMessages } from '../push';
import { MESSAGE_STORE, type ClaimedDelivery, type DeliveryAttempt, type DeliverySettlement, type MessageStore } from '../store';
import { nextAttemptAt } from './retry-schedule';
import { DELIVERY_HEADER, SIGNATURE_HEADER, WEBHOOK_HEADER, signWebhookBody } from './webhook-signature';

/** A claim keeps other workers off for this many timeouts: one POST, reading the message, and the settle. */
const LEASE_TIMEOUTS = 3;

@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly owner = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private pumping = false;
  private pumpAgain = false;
  private stopped = false;
  private unsubscribe: (() => void) | null = null;
  private readonly logger: Logger;

  constructor(
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    @Inject(CONFIG) private readonly config: CaptureboxConfig,
    private readonly webhooks: AccountWebhooks,
    private readonly pushed: PushedMessages,
    private readonly events: MessageEvents,
    private readonly metrics: CaptureMetrics,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ module: 'webhooks' });
    metrics.measureWebhookQueueWith(() => store.webhookQueueStats());
  }

  onApplicationBootstrap(): void {
    // A capture here may have made deliveries: look at once rather than at the next poll.
    this.unsubscribe = this.events.onCapturedHere(() => this.pump());
    this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    // Every POST is bounded by its timeout: let them settle while the store is still open.
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.pump();
      this.schedule();
    }, this.config.webhooks.pollMs);
    this.timer.unref();
  }

  /** Claims as many due deliveries as there are free places, and starts sending them. One pump at a time. */
  private pump(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void this.claimAndSend()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not claim webhook deliveries'))
      .finally(() => {
        this.pumping = false;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          this.pump();
        }
      });
  }

  private async claimAndSend(): Promise<void> {
    const free = this.config.webhooks.concurrency - this.inFlight.size;
    if (free <= 0) return;
    const leaseMs = this.config.webhooks.timeoutMs * LEASE_TIMEOUTS;
    const claimed = await this.store.claimWebhookDeliveries({ owner: this.owner, now: new Date(), leaseMs, limit: free });
    for (const delivery of claimed) {
      const sending: Promise<void> = this.deliver(delivery)
        .catch((error: unknown) => this.logger.warn({ err: error, delivery: delivery.id }, 'could not settle a webhook delivery'))
        .finally(() => {
          this.inFlight.delete(sending);
          // A place is free: more may be due (a backlog after an outage drains at full concurrency).
          this.pump();
        });
      this.inFlight.add(sending);
    }
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const webhook = await this.webhooks.get(delivery.webhookId);
    const message = webhook ? await this.store.getMessage(delivery.inbox, delivery.messageId) : null;
    const payload = message ? await this.pushed.of(message) : null;
    if (!webhook || !payload) {
      const why = webhook ? 'the message was deleted before it could be delivered' : 'the webhook was deleted';
      await this.settle(delivery, 'dropped', { at: new Date(), status: null, latencyMs: 0, error: why });
      return;
    }
    const attempt = await this.post(webhook, delivery, JSON.stringify(payload));
    this.metrics.webhookDeliverySeconds.observe(attempt.latencyMs / 1000);
    if (attempt.error === null) {
      await this.settle(delivery, 'delivered', attempt);
      return;
    }
    const next = nextAttemptAt(this.config.webhooks, delivery.created, delivery.attempts, new Date());
    await this.settle(delivery, next ? 'pending' : 'failed', attempt, next ?? undefined);
  }

  private async post(webhook: StoredWebhook, delivery: ClaimedDelivery, body: string): Promise<DeliveryAttempt> {
    const at = new Date();
    const started = performance.now();
    const latency = (): number => Math.round(performance.now() - started);
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.webhooks.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Capturebox-Webhook/1',
          [SIGNATURE_HEADER]: signWebhookBody(webhook.secret, body, at),
          [DELIVERY_HEADER]: delivery.id,
          [WEBHOOK_HEADER]: webhook.id,
        },
      });
      // The answer's body is not read: only its status counts, and the connection is freed at once.
      await response.body?.cancel().catch(() => undefined);
      const ok = response.status >= 200 && response.status < 300;
      return { at, status: response.status, latencyMs: latency(), error: ok ? null : `HTTP ${response.status}` };
    } catch (error) {
      return { at, status: null, latencyMs: latency(), error: describeFailure(error) };
    }
  }

  private async settle(delivery: ClaimedDelivery, state: DeliverySettlement['state'], attempt: DeliveryAttempt, next?: Date): Promise<void> {
    const settled = await this.store.settleWebhookDelivery(delivery, this.owner, { state, attempt, nextAttemptAt: next ?? attempt.at });
    if (!settled) {
      this.logger.warn({ delivery: delivery.id }, 'a webhook delivery outlived its lease; another worker has it');
      return;
    }
    this.metrics.webhookDeliveriesTotal.inc({ result: state === 'pending' ? 'retry' : state });
  }
}

/** What went wrong, in words a log reader can act on (no URL: it may carry a token). */
function describeFailure(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timed out';
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}
