// The MongoDB server's own ceiling, to judge Capturebox on MongoDB by: the documents Capturebox's store wrote
// during the 1 KB cells are read back and written again, into a fresh database of the same server with the
// same indexes, by a driver-only loop making the same writes per message (claim, blob chunks as upserts,
// recipient copies) with Capturebox's own driver settings, write concern included. What that loop reaches
// is what the server can take without Capturebox's SMTP, parsing and bookkeeping in the way.
import { join } from 'node:path';
import type { AnyBulkWriteOperation, Db, Document, MongoClient as MongoClientType, MongoClientOptions } from 'mongodb';
import type { MongoCeilingResult } from './results';
import { REPO_ROOT } from './targets';

/** Capturebox's collections (apps/capture/src/store/mongo-schema.ts), read back by their names. */
const CAPTURED = 'captured';
const BLOB_CHUNKS = 'blob_chunks';
const MESSAGES = 'messages';
const WRITES_PER_MESSAGE = 3;

interface MessageDocuments {
  captured: Document;
  chunks: Document[];
  copies: Document[];
}

/** Capturebox's driver settings, from its build: the ceiling must not differ in write concern or timeouts. */
function captureboxClientOptions(uri: string): MongoClientOptions {
  const connection = require(join(REPO_ROOT, 'apps/capture/dist/store/mongo-connection.js')) as {
    mongoClientOptions(options: { uri: string }, appName?: string): MongoClientOptions;
  };
  return connection.mongoClientOptions({ uri }, 'capturebox-bench-ceiling');
}

/** Up to `limit` stored mails with their blob chunks and copies (all of them 1 KB mail: see run-target.ts). */
async function readBack(db: Db, limit: number): Promise<MessageDocuments[]> {
  const captured = await db.collection(CAPTURED).find({}).limit(limit).toArray();
  const mails: MessageDocuments[] = [];
  // A few hundred mails per query, not two queries per mail: FerretDB v1 scans the table for every query.
  for (let start = 0; start < captured.length; start += READ_BACK_BATCH) {
    const claims = captured.slice(start, start + READ_BACK_BATCH);
    const queueIds = claims.map((claim) => String(claim._id));
    const chunks = await db.collection(BLOB_CHUNKS).find({ blob: { $in: queueIds.flatMap((id) => [`raw:${id}`, `body:${id}`]) } }).toArray();
    const copies = await db.collection(MESSAGES).find({ queueId: { $in: queueIds } }).toArray();
    for (const [n, claim] of claims.entries()) {
      const queueId = queueIds[n];
      const own = copies.filter((copy) => copy.queueId === queueId);
      if (own.length > 0) mails.push({ captured: claim, chunks: chunks.filter((chunk) => chunk.blob === `raw:${queueId}` || chunk.blob === `body:${queueId}`), copies: own });
    }
  }
  return mails;
}
const READ_BACK_BATCH = 500;

async function copyIndexes(from: Db, to: Db): Promise<void> {
  for (const name of [CAPTURED, BLOB_CHUNKS, MESSAGES]) {
    await to.createCollection(name).catch(() => undefined);
    for (const index of await from.collection(name).listIndexes().toArray()) {
      if (index.name === '_id_') continue;
      await to.collection(name).createIndex(index.key, { name: index.name, ...(index.unique ? { unique: true } : {}) });
    }
  }
}

/** One mail as Capturebox's saveCaptured writes it for a 1 KB message without attachments. */
async function writeLikeCapturebox(db: Db, mail: MessageDocuments): Promise<void> {
  await db.collection(CAPTURED).insertOne(mail.captured);
  const upserts: AnyBulkWriteOperation[] = mail.chunks.map(({ _id, touchedAt, ...rest }) => ({
    updateOne: { filter: { _id }, update: { $set: { touchedAt }, $setOnInsert: rest }, upsert: true },
  }));
  if (upserts.length > 0) await db.collection(BLOB_CHUNKS).bulkWrite(upserts, { ordered: false });
  await db.collection(MESSAGES).insertMany(mail.copies, { ordered: true });
}

/**
 * Replays up to `sample` of the mails stored in `uri`'s database at `connections` concurrent loops, for at
 * most `maxSeconds`, into `<database>_ceiling` on the same server (dropped before and after).
 */
export async function measureMongoCeiling(uri: string, options: { sample: number; connections: number; maxSeconds: number }): Promise<MongoCeilingResult> {
  const { MongoClient } = require('mongodb') as { MongoClient: typeof MongoClientType };
  const client = new MongoClient(uri, captureboxClientOptions(uri));
  await client.connect();
  try {
    const source = client.db();
    const target = client.db(`${source.databaseName}_ceiling`);
    await target.dropDatabase();
    const mails = await readBack(source, options.sample);
    if (mails.length === 0) throw new Error('the Capturebox run left no stored mail to replay');
    await copyIndexes(source, target);
    let next = 0;
    const deadline = performance.now() + options.maxSeconds * 1000;
    const t0 = performance.now();
    const loop = async () => {
      while (next < mails.length && performance.now() < deadline) await writeLikeCapturebox(target, mails[next++]!);
    };
    await Promise.all(Array.from({ length: options.connections }, loop));
    const elapsedSeconds = (performance.now() - t0) / 1000;
    await target.dropDatabase();
    const writeConcern = client.options.writeConcern;
    return {
      messages: next,
      connections: options.connections,
      elapsedSeconds,
      messagesPerSecond: next / elapsedSeconds,
      writesPerMessage: WRITES_PER_MESSAGE,
      writeConcern: JSON.stringify({ w: writeConcern?.w, journal: writeConcern?.journal }),
    };
  } finally {
    await client.close();
  }
}
