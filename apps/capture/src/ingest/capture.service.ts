// Runs one SMTP transaction through the pipeline (parse -> extract -> route -> privacy), stores it, then
// tells live listeners (publish).
// The caller may answer 250 only after `capture` resolves: that is when the store says it is durable.
import { Inject, Injectable } from '@nestjs/common';
import type { Envelope, SessionFacts } from '../domain/captured-message';
import { MessageEvents } from '../events';
import { CaptureMetrics } from '../metrics';
import { MESSAGE_STORE, StoreUnavailableError, type MessageStore } from '../store';
import { applyCapturePrivacy, type CapturingAccount } from './apply-capture-privacy';
import { runCapturePipeline } from './capture-pipeline';
import { newQueueId } from './queue-id';

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
  ) {}

  /** Rejects with StoreUnavailableError when the store cannot take the write (SMTP answers 451). */
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
    const stopStoreTimer = this.metrics.storeSeconds.startTimer();
    try {
      await this.store.saveCaptured(mail, stored);
    } catch (error) {
      if (error instanceof StoreUnavailableError) this.metrics.storeErrorsTotal.inc({ operation: 'save' });
      throw error;
    } finally {
      stopStoreTimer();
    }
    this.events.publishCaptured(stored);
    return { queueId, messageIds: stored.map((copy) => copy.id) };
  }
}
