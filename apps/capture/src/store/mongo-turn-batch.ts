// Concurrent saves' writes to one collection, sent as one bulk write: each save hands its operations in, and
// everything handed in for a collection within one turn of the event loop goes to the server as a single
// unordered bulkWrite. Ten SMTP sessions that finish together cost the server one round trip (and one commit
// on FerretDB) per collection and step instead of ten; their steps stay in step, since one reply resumes
// them all in the same turn. Each save still learns only about its own operations: the bulk's write errors
// are handed back to the save whose operations they belong to, the others succeed.
import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';
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
  try {
    await collection.bulkWrite(
      queue.flatMap((handed) => handed.operations),
      { ordered: false },
    );
    for (const handed of queue) handed.resolve();
  } catch (error) {
    const { MongoBulkWriteError } = mongoDriver();
    if (!(error instanceof MongoBulkWriteError) || error.result.getWriteConcernError() !== undefined) {
      for (const handed of queue) handed.reject(error);
      return;
    }
    const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
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
