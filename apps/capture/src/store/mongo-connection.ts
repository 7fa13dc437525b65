// The MongoDB plumbing both Mongo adapters share (mail here, accounts in `accounts/`): the driver settings that
// make their promises true, the database the URI names, opening with the declared indexes, and which driver
// errors mean "not now" (StoreUnavailableError) or "already there" (a duplicate key).
import type { Db, IndexDescription, IndexDirection, MongoClient, MongoClientOptions } from 'mongodb';
import { StoreUnavailableError } from './message-store';
import { mongoDriver } from './mongo-driver';

export interface MongoConnectionOptions {
  /** A mongodb:// or mongodb+srv:// URI. The database is the URI's path, `capturebox` when it names none. */
  uri: string;
  /**
   * How long an operation waits for a reachable server before failing with StoreUnavailableError. Short,
   * so that SMTP answers 451 while the client still listens. Default 2000.
   */
  serverSelectionTimeoutMS?: number;
  /** How long one socket read may take, so a hung (not dead) server also fails the call. Default 20000. */
  socketTimeoutMS?: number;
  /**
   * After operations have found no reachable server for this long, the store replaces its client. Default
   * 10000. See `use`.
   */
  replaceClientAfterMs?: number;
}

const DEFAULT_REPLACE_CLIENT_AFTER_MS = 10_000;

export const DEFAULT_DATABASE_NAME = 'capturebox';

/** A secondary index, declared next to the query it serves; open() creates every declared one. */
export interface MongoIndexDeclaration<CollectionName extends string = string> {
  collection: CollectionName;
  name: string;
  key: Record<string, IndexDirection>;
  unique?: boolean;
}

/** The driver settings that make the stores' promises true; a function so a test can check them. */
export function mongoClientOptions(options: MongoConnectionOptions, appName = 'capturebox'): MongoClientOptions {
  const serverSelectionTimeoutMS = options.serverSelectionTimeoutMS ?? 2000;
  return {
    appName,
    serverSelectionTimeoutMS,
    connectTimeoutMS: serverSelectionTimeoutMS,
    socketTimeoutMS: options.socketTimeoutMS ?? 20_000,
    // After a network error the driver pauses and clears its pool; without a bound, operations queue for
    // a connection until the server is back, and an SMTP session would wait with them.
    waitQueueTimeoutMS: 5_000,
    // Acknowledged by a majority of the replica set, each in its journal: a 250 survives losing the primary.
    // wtimeoutMS: a replica set without a majority fails the write (451) instead of hanging the session.
    // Set here, not taken from the URI, because the stores' durability promise depends on it.
    writeConcern: { w: 'majority', journal: true, wtimeoutMS: 10_000 },
  };
}

/** The URI's path names the database (`mongodb://host/name?...`); `capturebox` when there is none. */
export function databaseNameOf(uri: string): string {
  const afterScheme = uri.slice(uri.indexOf('://') + 3);
  // Hosts and user info cannot contain '/' (a Unix socket path is percent-encoded), so the first '/'
  // after the scheme starts the path, which ends at the options.
  const slash = afterScheme.indexOf('/');
  if (slash === -1) return DEFAULT_DATABASE_NAME;
  const path = afterScheme.slice(slash + 1).split('?')[0];
  return path === '' ? DEFAULT_DATABASE_NAME : decodeURIComponent(path);
}

/** What makes one Mongo store itself: its name, its indexes and the collections it uses. */
export interface MongoStoreDefinition<Collections> {
  /** How the store names itself in its errors, e.g. `mongo store`. */
  name: string;
  /** The driver settings; mongoClientOptions(options) unless the store names itself to the server otherwise. */
  clientOptions?: MongoClientOptions;
  indexes: readonly MongoIndexDeclaration[];
  /** The store's collections, bound (with their document types) once per open. */
  collections: (db: Db) => Collections;
}

/**
 * A Mongo adapter's client, its database and collections: opened once, closed once, and the one place its
 * operations run, so that a closed store and driver faults fail the same way in every Mongo store.
 */
export abstract class MongoStore<Collections> {
  private readonly uri: string;
  private readonly clientOptions: MongoClientOptions;
  private readonly replaceClientAfterMs: number;
  private opened: OpenClient<Collections> | null = null;
  /** When operations began to find no reachable server (null: the last one found one). */
  private unreachableSince: number | null = null;
  private replacing: Promise<void> | null = null;

  protected constructor(
    options: MongoConnectionOptions,
    private readonly definition: MongoStoreDefinition<Collections>,
  ) {
    this.uri = options.uri;
    this.clientOptions = definition.clientOptions ?? mongoClientOptions(options);
    this.replaceClientAfterMs = options.replaceClientAfterMs ?? DEFAULT_REPLACE_CLIENT_AFTER_MS;
  }

  async open(): Promise<void> {
    if (this.opened) return;
    // A malformed URI throws here, as a plain error: it is configuration, not a passing fault.
    const client = new (mongoDriver().MongoClient)(this.uri, this.clientOptions);
    try {
      await client.connect();
      const opened = this.bind(client);
      await createIndexes(opened.database.db, this.definition.indexes);
      this.opened = opened;
    } catch (error) {
      await client.close().catch(() => undefined); // the open error is the one worth reporting
      throw toMongoStoreError(this.definition.name, 'open', error);
    }
  }

  private bind(client: MongoClient): OpenClient<Collections> {
    const db = client.db(databaseNameOf(this.uri));
    return { client, database: { ...this.definition.collections(db), db } };
  }

  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = null;
    await this.replacing; // a replacement that finishes now sees the store closed and closes its own client
    await opened?.client.close();
  }

  /** Runs one unit of work on the open client, turning driver faults into StoreUnavailableError. */
  protected async use<T>(operation: string, work: (database: Collections & { db: Db }) => Promise<T>): Promise<T> {
    const opened = this.opened;
    if (!opened) throw new StoreUnavailableError(`${this.definition.name}: ${operation} while the store is closed`);
    try {
      const result = await work(opened.database);
      this.unreachableSince = null;
      return result;
    } catch (error) {
      if (error instanceof mongoDriver().MongoServerSelectionError) this.noteUnreachable(opened);
      throw toMongoStoreError(this.definition.name, operation, error);
    }
  }

  /**
   * The driver finds a restarted server again by itself, through its monitor; but we have seen (driver 7.x,
   * FerretDB restarted mid-heartbeat) a monitor whose check never settles after its socket closed, leaving the
   * server "Unknown" for good and every operation failing server selection. So a store that has found no server
   * for `replaceClientAfterMs` connects a new client and, once that one has connected, drops the old one.
   */
  private noteUnreachable(opened: OpenClient<Collections>): void {
    const now = Date.now();
    this.unreachableSince ??= now;
    if (now - this.unreachableSince < this.replaceClientAfterMs || this.replacing) return;
    this.replacing = this.replaceClient(opened).finally(() => {
      this.replacing = null;
    });
  }

  private async replaceClient(stale: OpenClient<Collections>): Promise<void> {
    const client = new (mongoDriver().MongoClient)(this.uri, this.clientOptions);
    try {
      await client.connect();
    } catch {
      await client.close().catch(() => undefined); // still unreachable: a later failure tries again
      return;
    }
    if (this.opened !== stale) {
      await client.close().catch(() => undefined); // closed (or replaced) meanwhile
      return;
    }
    this.opened = this.bind(client);
    this.unreachableSince = null;
    // Operations still on the old client fail as unavailable (451/503) and are retried by their callers.
    await stale.client.close().catch(() => undefined);
  }
}

interface OpenClient<Collections> {
  client: MongoClient;
  database: Collections & { db: Db };
}

async function createIndexes(db: Db, indexes: readonly MongoIndexDeclaration[]): Promise<void> {
  for (const index of indexes) {
    const spec: IndexDescription = { key: index.key, name: index.name, ...(index.unique ? { unique: true } : {}) };
    // One index per command: FerretDB v1.24 panics (and drops the connection) on a createIndexes with two
    // or more indexes that all exist already, i.e. on every open after the first. Idempotent for the same
    // name and key; a changed declaration under an old name fails open() loudly.
    await db.collection(index.collection).createIndexes([spec]);
  }
}

// ---- errors --------------------------------------------------------------------------------------------

/** Server error codes that mean "not now" (shutdown, election, no primary, network), not "never". */
const TRANSIENT_SERVER_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  64, // WriteConcernFailed (wtimeout)
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/**
 * Driver faults that mean the database cannot be reached or cannot take the write now become
 * StoreUnavailableError: the caller answers 451/503 and the driver reconnects by itself. Everything else
 * (duplicate keys, bad documents, our own errors) is passed on as it is.
 */
function toMongoStoreError(store: string, operation: string, error: unknown): unknown {
  if (!isUnavailable(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`${store}: ${operation} failed: ${message}`, { cause: error });
}

function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return false; // already mapped
  const {
    MongoBulkWriteError,
    MongoClientClosedError,
    MongoError,
    MongoErrorLabel,
    MongoNetworkError,
    MongoNotConnectedError,
    MongoServerError,
    MongoServerSelectionError,
    MongoTopologyClosedError,
    MongoWriteConcernError,
  } = mongoDriver();
  if (
    error instanceof MongoNetworkError || // includes timeouts and cleared connection pools
    error instanceof MongoServerSelectionError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoClientClosedError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoWriteConcernError
  ) {
    return true;
  }
  if (error instanceof MongoBulkWriteError && error.result.getWriteConcernError() !== undefined) return true;
  // The driver wraps its own faults in a bulk write (a refused or lost connection, no server) as a bulk error
  // that carries no write error of the server's.
  if (error instanceof MongoBulkWriteError && [error.writeErrors].flat().length === 0) return true;
  if (error instanceof MongoError && error.hasErrorLabel(MongoErrorLabel.RetryableWriteError)) return true;
  const code = error instanceof MongoServerError ? error.code : undefined;
  return typeof code === 'number' && TRANSIENT_SERVER_CODES.has(code);
}

/** The server's error code for a unique index that already holds the key. */
export const DUPLICATE_KEY = 11000;

/** An insert (or upsert) that failed because a unique index already holds its key. */
export function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof mongoDriver().MongoServerError && error.code === DUPLICATE_KEY;
}
