import { randomBytes } from 'node:crypto';

/**
 * A new queue id: 168 random bits as 28 URL-safe base64 characters, the length of Mailsac's queue ids.
 * It names the transaction in the SMTP reply and prefixes every stored copy's id, so it must be unguessable
 * (message ids are how public inboxes are read) and safe in a URL path.
 */
export function newQueueId(): string {
  return randomBytes(21).toString('base64url');
}
