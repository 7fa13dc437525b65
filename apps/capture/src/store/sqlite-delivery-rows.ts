// How webhook deliveries map to SQLite rows and back: shared by the reading side and the writer thread.
import type { ClaimedDelivery, DeliveryAttempt, DeliveryState } from './webhook-deliveries';

export interface DeliveryRow {
  id: string;
  webhook_id: string;
  message_id: string;
  inbox: string;
  created: number;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number;
  lease: number;
  last_attempts: string;
  settled_at: number | null;
}

export function fromDeliveryRow(row: DeliveryRow): ClaimedDelivery {
  const attempts = JSON.parse(row.last_attempts) as Array<Omit<DeliveryAttempt, 'at'> & { at: number }>;
  return {
    id: row.id,
    webhookId: row.webhook_id,
    messageId: row.message_id,
    inbox: row.inbox,
    created: new Date(row.created),
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: new Date(row.next_attempt_at),
    lastAttempts: attempts.map((attempt) => ({ ...attempt, at: new Date(attempt.at) })),
    settledAt: row.settled_at === null ? null : new Date(row.settled_at),
    lease: row.lease,
  };
}

export function attemptsColumn(attempts: DeliveryAttempt[]): string {
  return JSON.stringify(attempts.map((attempt) => ({ ...attempt, at: attempt.at.getTime() })));
}
