// The SQLite writer thread: the one connection that writes the message store. Writes that arrive while it is
// busy (most often: while the previous COMMIT waits for its fsync) are committed together in the next turn, one
// transaction and one fsync for all of them, each write a savepoint of its own so that one failing write
// fails alone. Every write is answered only after the commit that made it durable.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { configureConnection } from './sqlite-connection';
import { prepareMessageWrites, type SqliteMessageWrites } from './sqlite-message-writes';
import { describeError, type WriterReply, type WriterRequest, type WriterThreadOptions } from './sqlite-writer-protocol';

type Write = Extract<WriterRequest, { type: 'write' }>;
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

function main(port: NonNullable<typeof parentPort>, options: WriterThreadOptions): void {
  const reply = (message: WriterReply): void => port.postMessage(message);
  let db: Database.Database;
  let commitBatch: (batch: Write[]) => Outcome[];
  try {
    // The main thread has created the file and brought its schema up to date before starting this thread.
    db = new Database(options.file, { fileMustExist: true });
    configureConnection(db, options.busyTimeoutMs);
    const writes = prepareMessageWrites(db);
    const batchTransaction = db.transaction((batch: Write[]) =>
      batch.map((write) => {
        const outcome = runOne(writes, write);
        // Some faults (SQLITE_FULL, an I/O error) make SQLite roll back the whole transaction, not just the
        // savepoint: nothing of the batch is stored then, and no later write may run outside a transaction.
        if (!outcome.ok && !db.inTransaction) throw outcome.error;
        return outcome;
      }),
    );
    // IMMEDIATE: the write lock is taken (or waited for, up to the busy timeout) once, at BEGIN, so a lock
    // held elsewhere fails the batch after one timeout rather than each of its writes after one each.
    commitBatch = (batch) => batchTransaction.immediate(batch);
  } catch (error) {
    reply({ type: 'failed-to-open', error: describeError(error) });
    return; // no listener on the port: the thread ends
  }

  let queue: Write[] = [];
  const flush = (): void => {
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = commitBatch(batch);
    } catch (error) {
      // BEGIN or COMMIT failed (lock timeout, I/O error): nothing of the batch is stored.
      const description = describeError(error);
      for (const write of batch) reply({ type: 'failed', id: write.id, error: description });
      return;
    }
    batch.forEach((write, index) => {
      const outcome = outcomes[index];
      if (outcome.ok) reply({ type: 'done', id: write.id, value: outcome.value });
      else reply({ type: 'failed', id: write.id, error: describeError(outcome.error) });
    });
  };

  port.on('message', (request: WriterRequest) => {
    if (request.type === 'close') {
      flush(); // requests are delivered in order: everything sent before the close is written first
      db.close();
      reply({ type: 'closed' });
      port.close();
      return;
    }
    if (request.type === 'ping') {
      reply({ type: 'done', id: request.id, value: undefined });
      return;
    }
    queue.push(request);
    // The first write of a turn schedules the commit; the writes delivered after it in this turn join it.
    if (queue.length === 1) setImmediate(flush);
  });
  reply({ type: 'ready' });
}

/** A nested better-sqlite3 transaction is a savepoint: a write that throws is rolled back alone. */
function runOne(writes: SqliteMessageWrites, write: Write): Outcome {
  try {
    const run = writes[write.name] as (...args: unknown[]) => unknown;
    return { ok: true, value: run(...write.args) };
  } catch (error) {
    return { ok: false, error };
  }
}

if (parentPort) main(parentPort, workerData as WriterThreadOptions);
