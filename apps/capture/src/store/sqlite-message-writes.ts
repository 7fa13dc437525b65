// Every write of the embedded message store, prepared on one connection: the writer thread
// (`sqlite-writer.worker.ts`) owns that connection and is the only one that writes, so the main thread never
// blocks on a COMMIT's fsync or on another writer's lock.
import type Database from 'better-sqlite3';
import type { CapturedMail, SpamVerdict, StoredMessage } from '../domain';
import type { MessagePatch } from './message-store';
import type { DeliveryRow } from './sqlite-delivery-rows';
import type { NewWebhookDelivery } from './webhook-deliveries';
import {
  applyPatch,
  fromMessageRow,
  toCapturedRow,
  toMessageRow,
  type CapturedRow,
  type MessageKey,
  type MessageRow,
} from './sqlite-message-rows';
import {
  CLAIM_DELIVERIES_SQL,
  DELETE_DOMAIN_MAIL_SQL,
  DELETE_INBOX_SQL,
  DELETE_MESSAGE_SQL,
  GET_MESSAGE_SQL,
  INSERT_ATTACHMENT_BLOB_SQL,
  INSERT_CAPTURED_SQL,
  INSERT_DELIVERY_SQL,
  INSERT_MESSAGE_SQL,
  PRUNE_OLDER_THAN_SQL,
  PRUNE_SETTLED_DELIVERIES_SQL,
  PRUNE_UNREFERENCED_BLOBS_SQL,
  RECORD_SPAM_VERDICT_SQL,
  SETTLE_DELIVERY_SQL,
  TRIM_INBOX_SQL,
  UPDATE_MESSAGE_SQL,
} from './sqlite-schema';

/**
 * The writes, by name: what the main thread asks the writer thread for. Arguments and results cross the thread
 * boundary by structured clone, so they are plain data (Buffers arrive as Uint8Arrays, Dates stay Dates).
 */
export interface SqliteMessageWrites {
  /** All or nothing: the captured row, every copy, every new attachment content and the webhook deliveries. */
  saveCaptured(mail: CapturedMail, copies: StoredMessage[], deliveries: readonly NewWebhookDelivery[], created: number): void;
  /** CLAIM_DELIVERIES_SQL; instants in epoch ms. */
  claimDeliveries(claim: { owner: string; now: number; until: number; limit: number }): DeliveryRow[];
  /** SETTLE_DELIVERY_SQL: false when the lease was lost. */
  settleDelivery(settlement: SettleParams): boolean;
  /** Read-modify-write in one transaction, so two label edits cannot lose each other. */
  updateMessage(key: MessageKey, patch: MessagePatch): StoredMessage | null;
  /** RECORD_SPAM_VERDICT_SQL: how many copies took it. */
  recordSpamVerdict(queueId: string, verdict: SpamVerdict): number;
  deleteMessage(key: MessageKey): boolean;
  deleteInbox(inbox: string): number;
  /** `excluded`: a JSON array of inboxes to leave (DomainScope). */
  deleteDomainMail(domain: string, excluded: string): number;
  /** One batch of at most `limit` of the oldest public messages before `cutoff` (epoch ms). */
  pruneOlderThan(cutoff: number, limit: number): number;
  trimInbox(inbox: string, keep: number): number;
  pruneUnreferencedBlobs(): number;
  /** One batch of at most `limit` deliveries settled before `cutoff` (epoch ms). */
  pruneSettledDeliveries(cutoff: number, limit: number): number;
}

export type SqliteWriteName = keyof SqliteMessageWrites;

export interface SettleParams {
  id: string;
  lease: number;
  owner: string;
  state: string;
  next_attempt_at: number;
  last_attempts: string;
  settled_at: number | null;
}

/**
 * One unit of work per call; called inside an enclosing transaction each runs as a savepoint (better-sqlite3
 * nests them so), which is what lets the writer thread commit a whole batch at once and still fail one alone.
 */
export function prepareMessageWrites(db: Database.Database): SqliteMessageWrites {
  const insertCaptured = db.prepare<CapturedRow>(INSERT_CAPTURED_SQL);
  const insertMessage = db.prepare<MessageRow>(INSERT_MESSAGE_SQL);
  const insertAttachmentBlob = db.prepare<{ md5: string; content: Buffer }>(INSERT_ATTACHMENT_BLOB_SQL);
  const getMessage = db.prepare<MessageKey, MessageRow>(GET_MESSAGE_SQL);
  const updateMessage = db.prepare<MessageKey & Pick<MessageRow, 'folder' | 'read' | 'saved_by' | 'labels'>>(
    UPDATE_MESSAGE_SQL,
  );
  const recordSpamVerdict = db.prepare<{ queue_id: string; verdict: string }>(RECORD_SPAM_VERDICT_SQL);
  const deleteMessage = db.prepare<MessageKey>(DELETE_MESSAGE_SQL);
  const deleteInbox = db.prepare<{ inbox: string }>(DELETE_INBOX_SQL);
  const deleteDomainMail = db.prepare<{ domain: string; excluded: string }>(DELETE_DOMAIN_MAIL_SQL);
  const pruneOlderThan = db.prepare<{ cutoff: number; limit: number }>(PRUNE_OLDER_THAN_SQL);
  const trimInbox = db.prepare<{ inbox: string; keep: number }>(TRIM_INBOX_SQL);
  const pruneUnreferencedBlobs = db.prepare<[]>(PRUNE_UNREFERENCED_BLOBS_SQL);
  const pruneSettledDeliveries = db.prepare<{ cutoff: number; limit: number }>(PRUNE_SETTLED_DELIVERIES_SQL);
  const insertDelivery = db.prepare<{ id: string; webhook_id: string; message_id: string; inbox: string; created: number }>(
    INSERT_DELIVERY_SQL,
  );
  const claimDeliveries = db.prepare<{ owner: string; now: number; until: number; limit: number }, DeliveryRow>(
    CLAIM_DELIVERIES_SQL,
  );
  const settleDelivery = db.prepare<SettleParams>(SETTLE_DELIVERY_SQL);

  return {
    saveCaptured: db.transaction(
      (mail: CapturedMail, copies: StoredMessage[], deliveries: readonly NewWebhookDelivery[], created: number) => {
        insertCaptured.run(toCapturedRow({ ...mail, raw: asBuffer(mail.raw) }));
        for (const attachment of mail.attachments) {
          insertAttachmentBlob.run({ md5: attachment.md5, content: asBuffer(attachment.content) });
        }
        for (const copy of copies) insertMessage.run(toMessageRow(copy));
        for (const delivery of deliveries) {
          const { id, webhookId, messageId, inbox } = delivery;
          insertDelivery.run({ id, webhook_id: webhookId, message_id: messageId, inbox, created });
        }
      },
    ),
    claimDeliveries: (claim) => claimDeliveries.all(claim),
    settleDelivery: (settlement) => settleDelivery.run(settlement).changes > 0,
    updateMessage: db.transaction((key: MessageKey, patch: MessagePatch): StoredMessage | null => {
      const row = getMessage.get(key);
      if (!row) return null;
      const updated = applyPatch(fromMessageRow(row), patch);
      const { folder, read, saved_by, labels } = toMessageRow(updated);
      updateMessage.run({ ...key, folder, read, saved_by, labels });
      return updated;
    }),
    recordSpamVerdict: (queueId, verdict) => recordSpamVerdict.run({ queue_id: queueId, verdict: JSON.stringify(verdict) }).changes,
    // The schema's triggers remove a transaction's captured row with its last copy; attachment contents stay
    // until pruneUnreferencedBlobs.
    deleteMessage: (key) => deleteMessage.run(key).changes > 0,
    deleteInbox: (inbox) => deleteInbox.run({ inbox }).changes,
    deleteDomainMail: (domain, excluded) => deleteDomainMail.run({ domain, excluded }).changes,
    pruneOlderThan: (cutoff, limit) => pruneOlderThan.run({ cutoff, limit }).changes,
    trimInbox: (inbox, keep) => trimInbox.run({ inbox, keep }).changes,
    // Exact and safe alongside saves without any grace period: see ref_count in the schema.
    pruneUnreferencedBlobs: () => pruneUnreferencedBlobs.run().changes,
    pruneSettledDeliveries: (cutoff, limit) => pruneSettledDeliveries.run({ cutoff, limit }).changes,
  };
}

/** A Buffer that arrived through postMessage is a plain Uint8Array: view the same bytes as a Buffer, no copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
