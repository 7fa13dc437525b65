// The webhook delivery queue on MongoDB. Without transactions the deliveries are inserted right after the
// copies they deliver, inside saveCaptured (so before the 250), and removed again if that fails.
//
// A claim must be exclusive across replicas, and FerretDB v1 (the test server) runs a conditional update as a
// read and then a write by _id, so two replicas could both "win" a findOneAndUpdate on the lease fields.
// The claim is therefore an insert, as the queue id's is: `webhook_claims/<delivery id>#<lease>`, where
// `lease` is the version of the lease the claimer saw expired. Only one insert of that _id succeeds; the
// winner then moves the delivery to lease+1 with its owner and expiry. A worker that dies holding a lease
// leaves it to run out, and the next claimer competes for the next version.
import type { Collection } from 'mongodb';
import { isDuplicateKeyError } from './mongo-connection';
import {
  withAttempt,
  type ClaimedDelivery,
  type DeliveryClaim,
  type DeliverySettlement,
  type NewWebhookDelivery,
  type WebhookDelivery,
  type WebhookQueueStats,
} from './webhook-deliveries';

export interface DeliveryDocument extends Omit<ClaimedDelivery, 'id'> {
  _id: string;
  leaseOwner: string | null;
  /** new Date(0): not leased. */
  leaseUntil: Date;
}

export interface ClaimDocument {
  _id: string;
  owner: string;
  at: Date;
}

export interface DeliveryCollections {
  webhookDeliveries: Collection<DeliveryDocument>;
  webhookClaims: Collection<ClaimDocument>;
}

const NOT_LEASED = new Date(0);

export function newDeliveryDocuments(deliveries: readonly NewWebhookDelivery[], created: Date): DeliveryDocument[] {
  return deliveries.map(({ id, ...delivery }) => ({
    _id: id,
    ...delivery,
    created,
    state: 'pending',
    attempts: 0,
    nextAttemptAt: created,
    lastAttempts: [],
    settledAt: null,
    lease: 0,
    leaseOwner: null,
    leaseUntil: NOT_LEASED,
  }));
}

export async function claimDeliveries(s: DeliveryCollections, claim: DeliveryClaim): Promise<ClaimedDelivery[]> {
  // A few more candidates than asked for: some are leased by others, and their claims will be lost.
  const candidates = await s.webhookDeliveries
    .find({ state: 'pending', nextAttemptAt: { $lte: claim.now } })
    .sort({ state: 1, nextAttemptAt: 1 })
    .limit(claim.limit * 2)
    .toArray();
  const claimed: ClaimedDelivery[] = [];
  for (const candidate of candidates) {
    if (claimed.length >= claim.limit) break;
    if (candidate.leaseUntil > claim.now) continue;
    try {
      await s.webhookClaims.insertOne({ _id: `${candidate._id}#${candidate.lease}`, owner: claim.owner, at: claim.now });
    } catch (error) {
      if (isDuplicateKeyError(error)) continue; // another worker claimed this version first
      throw error;
    }
    const lease = candidate.lease + 1;
    const leaseUntil = new Date(claim.now.getTime() + claim.leaseMs);
    const { matchedCount } = await s.webhookDeliveries.updateOne(
      { _id: candidate._id, lease: candidate.lease },
      { $set: { lease, leaseOwner: claim.owner, leaseUntil } },
    );
    if (matchedCount > 0) claimed.push({ ...fromDeliveryDocument(candidate), lease });
  }
  return claimed;
}

export async function settleDelivery(
  s: DeliveryCollections,
  delivery: ClaimedDelivery,
  owner: string,
  settlement: DeliverySettlement,
): Promise<boolean> {
  const { matchedCount } = await s.webhookDeliveries.updateOne(
    { _id: delivery.id, lease: delivery.lease, leaseOwner: owner },
    {
      $set: {
        state: settlement.state,
        attempts: delivery.attempts + 1,
        nextAttemptAt: settlement.nextAttemptAt,
        lastAttempts: withAttempt(delivery, settlement.attempt),
        settledAt: settlement.state === 'pending' ? null : settlement.attempt.at,
        leaseOwner: null,
        leaseUntil: NOT_LEASED,
      },
    },
  );
  // The claim that made this lease is spent; older ones (of workers that died) are left, a few bytes each.
  await s.webhookClaims.deleteOne({ _id: `${delivery.id}#${delivery.lease - 1}` });
  return matchedCount > 0;
}

export async function listDeliveries(s: DeliveryCollections, webhookId: string, limit: number): Promise<WebhookDelivery[]> {
  if (limit <= 0) return [];
  const documents = await s.webhookDeliveries.find({ webhookId }).sort({ webhookId: 1, created: -1, _id: -1 }).limit(limit).toArray();
  return documents.map(fromDeliveryDocument);
}

/** Settled deliveries by when they settled (DELIVERIES_SETTLED serves it). */
export async function pruneSettled(s: DeliveryCollections, cutoff: Date): Promise<number> {
  const { deletedCount } = await s.webhookDeliveries.deleteMany({ state: { $in: ['delivered', 'failed', 'dropped'] }, settledAt: { $lt: cutoff } });
  return deletedCount;
}

export async function queueStats(s: DeliveryCollections): Promise<WebhookQueueStats> {
  const pending = await s.webhookDeliveries.countDocuments({ state: 'pending' });
  const oldest = await s.webhookDeliveries.find({ state: 'pending' }).sort({ state: 1, created: 1 }).limit(1).next();
  return { pending, oldestPending: oldest?.created ?? null };
}

function fromDeliveryDocument(document: DeliveryDocument): WebhookDelivery {
  return {
    id: document._id,
    webhookId: document.webhookId,
    messageId: document.messageId,
    inbox: document.inbox,
    created: document.created,
    state: document.state,
    attempts: document.attempts,
    nextAttemptAt: document.nextAttemptAt,
    lastAttempts: document.lastAttempts,
    settledAt: document.settledAt,
  };
}
