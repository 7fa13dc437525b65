// The webhook delivery queue's vocabulary: what saveCaptured enqueues beside the message (same durable write),
// how a delivery worker claims due deliveries under a lease, and what it records of each attempt. Deliveries
// point at a message by inbox and id: its content is read when it is sent (a message deleted before then
// is "dropped"), so the queue holds no copy of the mail.

/** Enqueued by saveCaptured in the very write that stores the message. */
export interface NewWebhookDelivery {
  /** `dlv_...`: sent as the Capturebox-Delivery header, the receiver's idempotency key. */
  id: string;
  webhookId: string;
  messageId: string;
  inbox: string;
}

/** pending: to be sent (now or after a backoff); the others are final. */
export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'dropped';

export interface DeliveryAttempt {
  at: Date;
  /** The receiver's HTTP status; null when there was none (refused, timed out). */
  status: number | null;
  latencyMs: number;
  /** Why it failed, without the secret or the body; null on success. */
  error: string | null;
}

export interface WebhookDelivery extends NewWebhookDelivery {
  created: Date;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: Date;
  /** The latest attempts, oldest first (at most KEPT_ATTEMPTS). */
  lastAttempts: DeliveryAttempt[];
  settledAt: Date | null;
}

/** A claimed delivery: `lease` is the version of the claim, compared when it is settled. */
export interface ClaimedDelivery extends WebhookDelivery {
  lease: number;
}

export interface DeliveryClaim {
  /** This process's worker id. */
  owner: string;
  now: Date;
  /** How long the claim keeps other workers off; longer than one attempt may take. */
  leaseMs: number;
  limit: number;
}

/** What one attempt came to: delivered, pending again at `nextAttemptAt`, failed or dropped for good. */
export interface DeliverySettlement {
  state: DeliveryState;
  attempt: DeliveryAttempt;
  nextAttemptAt: Date;
}

export interface WebhookQueueStats {
  pending: number;
  /** When the oldest pending delivery was enqueued; null when none is pending. */
  oldestPending: Date | null;
}

/** How many attempts a delivery keeps in its log. */
export const KEPT_ATTEMPTS = 10;

/** The delivery's attempt log with one more attempt, trimmed to KEPT_ATTEMPTS. */
export function withAttempt(delivery: WebhookDelivery, attempt: DeliveryAttempt): DeliveryAttempt[] {
  return [...delivery.lastAttempts, attempt].slice(-KEPT_ATTEMPTS);
}
