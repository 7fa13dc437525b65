// Runs one SMTP transaction through the pipeline (parse -> extract -> route -> privacy), stores it, then
// tells live listeners (publish).
// The caller may answer 250 only after `capture` resolves: that is when the store says it is durable.
import { Inject, Injectable } from '@nestjs/common';
import type { Envelope, SessionFacts } from '../domain';
import { AccountsService } from '../accounts';
import { MessageEvents } from '../events';
import type { Logger } from '../logging';
import { ROOT_LOGGER } from '../logging';
import { CaptureMetrics } from '../metrics';
import { MESSAGE_STORE, RetentionService, StoreUnavailableError, type MessageStore } from '../store';
import { applyCapturePrivacy, type CapturingAccount } from './apply-capture-privacy';
import { runCapturePipeline } from './capture-pipeline';
import { PrivateMailLimits } from './private-mail-limits';
import { newQueueId } from './queue-id';
import { WebhookDeliveriesOfCapture } from './webhook-deliveries';

export interface CaptureRequest {
  raw: Buffer;
  envelope: Envelope;
  session: SessionFacts;
  account: CapturingAccount | null;
}

export interface CaptureResult {
  queueId: string;
  messageIds: string[];
}

@Injectable()
export class CaptureService {
  constructor(
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    private readonly events: MessageEvents,
    private readonly metrics: CaptureMetrics,
    private readonly limits: PrivateMailLimits,
    private readonly accounts: AccountsService,
    private readonly retention: RetentionService,
    private readonly webhookDeliveries: WebhookDeliveriesOfCapture,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Rejects with StoreUnavailableError when the store cannot take the write (SMTP answers 451), and with
   * MessageLimitReached when an owning account is full (452).
   */
  async capture(request: CaptureRequest): Promise<CaptureResult> {
    const queueId = newQueueId();
    const stopParseTimer = this.metrics.parseSeconds.startTimer();
    const { mail, copies } = await runCapturePipeline({
      queueId,
      raw: request.raw,
      received: new Date(),
      envelope: request.envelope,
      session: request.session,
    });
    const stored = applyCapturePrivacy(copies, request.account);
    stopParseTimer();
    const owners = await this.accounts.ownersOfInboxes(stored.map((copy) => copy.inbox));
    await this.limits.assertRoomFor(stored, owners);
    const deliveries = await this.webhookDeliveries.for(stored, owners);
    const stopStoreTimer = this.metrics.storeSeconds.startTimer();
    try {
      await this.store.saveCaptured(mail, stored, deliveries);
    } catch (error) {
      if (error instanceof StoreUnavailableError) this.metrics.storeErrorsTotal.inc({ operation: 'save' });
      throw error;
    } finally {
      stopStoreTimer();
    }
    // Trim the inboxes before answering, so no one ever lists N+1 messages; never rejects.
    await this.retention.afterCapture(stored.map((copy) => copy.inbox));
    this.events.publishCaptured(stored);
    if (request.account) {
      // Usage counting must never cost a message that is already stored: a failure is only logged.
      this.accounts.countOperations(request.account.id, stored.length).catch((error: unknown) => this.logger.warn({ err: error }, 'could not count operations'));
    }
    return { queueId, messageIds: stored.map((copy) => copy.id) };
  }
}
