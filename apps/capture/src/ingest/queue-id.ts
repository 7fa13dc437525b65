import { randomBytes } from 'node:crypto';

const ID_BYTES = 21;
/** Ids drawn from one call to the CSPRNG: a call per id was ~4% of the ingest path's time (docs/benchmarks). */
const IDS_PER_DRAW = 256;

let pool = Buffer.alloc(0);
let offset = 0;

/**
 * A new queue id: 168 random bits as 28 URL-safe base64 characters, the length of Mailsac's queue ids.
 * It names the transaction in the SMTP reply and prefixes every stored copy's id, so it must be unguessable
 * (message ids are how public inboxes are read) and safe in a URL path. Every id uses fresh bytes of the
 * pool, never bytes another id used.
 */
export function newQueueId(): string {
  if (offset + ID_BYTES > pool.length) {
    pool = randomBytes(ID_BYTES * IDS_PER_DRAW);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}
