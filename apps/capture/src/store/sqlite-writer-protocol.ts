// What the main thread and the SQLite writer thread say to each other, and how an error crosses between them
// (structured clone keeps an Error's message but not its class or its SQLite code).
import { StoreUnavailableError } from './message-store';
import { isStorageFault } from './sqlite-connection';
import type { SqliteWriteName } from './sqlite-message-writes';

/** Given to the thread when it starts. */
export interface WriterThreadOptions {
  file: string;
  busyTimeoutMs: number;
}

/** Main thread -> writer thread. */
export type WriterRequest =
  | { type: 'write'; id: number; name: SqliteWriteName; args: unknown[] }
  /** Liveness: answered at once with `done`, outside any transaction, so a lock held elsewhere does not fail it. */
  | { type: 'ping'; id: number }
  | { type: 'close' };

/** Writer thread -> main thread. */
export type WriterReply =
  | { type: 'ready' }
  | { type: 'failed-to-open'; error: ErrorDescription }
  | { type: 'done'; id: number; value: unknown }
  | { type: 'failed'; id: number; error: ErrorDescription }
  | { type: 'closed' };

export interface ErrorDescription {
  name: string;
  message: string;
  /** SQLite's result code (SQLITE_BUSY, ...) or Node's (ENOSPC, ...). */
  code?: string;
  /** A passing storage fault (lock timeout, I/O error, disk full): the caller answers 451/503 and retries. */
  unavailable: boolean;
}

/** In the writer thread: what the main thread needs to know of an error, by the rule of `toSqliteStoreError`. */
export function describeError(error: unknown): ErrorDescription {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), unavailable: false };
  const { code } = error as { code?: unknown };
  return {
    name: error.name,
    message: error.message,
    code: typeof code === 'string' ? code : undefined,
    unavailable: isStorageFault(error),
  };
}

/** In the main thread: the error a caller of the store sees, as if the write had run on its own thread. */
export function reviveError(store: string, operation: string, description: ErrorDescription): Error {
  const original = Object.assign(new Error(description.message), { name: description.name, code: description.code });
  if (!description.unavailable) return original;
  return new StoreUnavailableError(`${store}: ${operation} failed: ${description.message}`, { cause: original });
}
