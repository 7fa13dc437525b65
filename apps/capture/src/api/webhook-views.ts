// Capturebox's own webhook JSON: a webhook (with its secret: only its owner or an admin ever reads one) and
// its delivery log.
import type { StoredWebhook } from '../accounts';
import type { WebhookDelivery } from '../store';

export function toWebhook(webhook: StoredWebhook) {
  return {
    _id: webhook.id,
    owner: webhook.ownerId,
    kind: webhook.kind,
    target: webhook.kind === 'account' ? null : webhook.target,
    url: webhook.url,
    secret: webhook.secret,
    created: webhook.created.toISOString(),
  };
}

export function toWebhookDelivery(delivery: WebhookDelivery) {
  return {
    _id: delivery.id,
    webhook: delivery.webhookId,
    messageId: delivery.messageId,
    inbox: delivery.inbox,
    state: delivery.state,
    attempts: delivery.attempts,
    created: delivery.created.toISOString(),
    nextAttemptAt: delivery.state === 'pending' ? delivery.nextAttemptAt.toISOString() : null,
    settledAt: delivery.settledAt?.toISOString() ?? null,
    lastAttempts: delivery.lastAttempts.map((attempt) => ({ ...attempt, at: attempt.at.toISOString() })),
  };
}
