// Concurrent saves' writes to one collection, sent as one bulk write: each save hands its operations in, and
// everything handed in for a collection within one turn of the event loop goes to the server as a single
// unordered bulkWrite. Ten SMTP sessions that finish together cost the server one round trip (and one commit
// on FerretDB) per collection and step instead of ten; their steps stay in step, since one reply resumes
// them all in the same turn. Each save still learns only about its own operations: the bulk's write errors
// are handed back to the save whose operations they belong to, the others succeed.
import type { AnyBulkWriteOperation, BulkWriteResult, Collection, Document } from 'mongodb';
import { DUPLICATE_KEY } from './mongo-connection';
import { mongoDriver } from './mongo-driver';

/** A save's operations failed only because their unique keys are taken (its other operations were applied). */
export class DuplicateKeysInBatch extends Error {
  constructor(cause: unknown) {
    super('duplicate key in a batched write', { cause });
  }
}

interface Handed {
  operations: AnyBulkWriteOperation<Document>[];
  resolve(): void;
  reject(error: unknown): void;
}

const pending = new WeakMap<Collection<Document>, Handed[]>();

/**
 * Resolves once the server has acknowledged these operations (with the collection's write concern) as part of
 * this turn's bulk write. Rejects with DuplicateKeysInBatch when every error of these operations is a
 * duplicate key, with the bulk's own error when any other error is among them or the bulk failed as a whole.
 */
export function bulkWriteInTurn<D extends Document>(collection: Collection<D>, operations: AnyBulkWriteOperation<D>[]): Promise<void> {
  if (operations.length === 0) return Promise.resolve();
  const key = collection as unknown as Collection<Document>;
  return new Promise((resolve, reject) => {
    let queue = pending.get(key);
    if (!queue) {
      queue = [];
      pending.set(key, queue);
      setImmediate(() => void flush(key));
    }
    queue.push({ operations: operations as AnyBulkWriteOperation<Document>[], resolve, reject });
  });
}

async function flush(collection: Collection<Document>): Promise<void> {
  const queue = pending.get(collection) ?? [];
  pending.delete(collection);
  const operations = queue.flatMap((handed) => handed.operations);
  const rejectAll = (error: unknown) => queue.forEach((handed) => handed.reject(error));
  try {
    const result = await collection.bulkWrite(operations, { ordered: false });
    if (answeredFor(result, 0) < operations.length) {
      rejectAll(new Error(`bulk write: the server answered for ${answeredFor(result, 0)} of ${operations.length} operations`));
      return;
    }
    for (const handed of queue) handed.resolve();
  } catch (error) {
    const { MongoBulkWriteError } = mongoDriver();
    const writeErrors = error instanceof MongoBulkWriteError ? [error.writeErrors].flat() : [];
    // The driver wraps its own faults (a lost connection, a timeout) as a bulk error with no write error, and an
    // unordered bulk may stop after some of its batches: only a bulk the server answered for operation by
    // operation can be split among the saves; anything else fails every save of the turn (451, never a 250).
    if (
      !(error instanceof MongoBulkWriteError) ||
      error.result.getWriteConcernError() !== undefined ||
      answeredFor(error.result, writeErrors.length) < operations.length
    ) {
      rejectAll(error);
      return;
    }
    let start = 0;
    for (const handed of queue) {
      const end = start + handed.operations.length;
      const own = writeErrors.filter((writeError) => writeError.index >= start && writeError.index < end);
      if (own.length === 0) handed.resolve();
      else if (own.every((writeError) => writeError.code === DUPLICATE_KEY)) handed.reject(new DuplicateKeysInBatch(error));
      else handed.reject(error);
      start = end;
    }
  }
}

/**
 * A bulk error whose only write errors are duplicate keys, however much of the bulk the server answered for
 * (FerretDB v1 answers nothing for the other operations of a bulk in which one upsert lost a race).
 */
export function refusedOnlyForDuplicateKeys(error: unknown): boolean {
  if (!(error instanceof mongoDriver().MongoBulkWriteError)) return false;
  const writeErrors = [error.writeErrors].flat();
  return writeErrors.length > 0 && writeErrors.every((writeError) => writeError.code === DUPLICATE_KEY);
}

/** Operations the server reported on: applied (inserted, matched, upserted, deleted) or refused by a write error. */
function answeredFor(result: BulkWriteResult, writeErrors: number): number {
  return result.insertedCount + result.matchedCount + result.upsertedCount + result.deletedCount + writeErrors;
}
