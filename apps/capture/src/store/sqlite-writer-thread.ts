// The main thread's handle on the SQLite writer thread (`sqlite-writer.worker.ts`): sends it writes and
// settles each caller's promise when the thread says the write is committed, or why not.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { StoreUnavailableError } from './message-store';
import type { SqliteMessageWrites, SqliteWriteName } from './sqlite-message-writes';
import { reviveError, type WriterReply, type WriterRequest, type WriterThreadOptions } from './sqlite-writer-protocol';

const WORKER_FILE = join(__dirname, 'sqlite-writer.worker.js');

/** Ending the thread once it has been idle: see SqliteMessageStore's writerIdleMs. */
export interface WriterIdlePolicy {
  /** How long the thread may go without a request in flight before `onIdle` is called. */
  idleMs: number;
  onIdle: (writer: SqliteWriterThread) => void;
}

interface Waiting {
  name: SqliteWriteName | 'ping';
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class SqliteWriterThread {
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  /** Set once the thread has ended (closed, crashed or failed to open): no write is sent any more. */
  private ended: Error | null = null;
  /** Once close is asked: the thread stays ref'd until it has exited, so `close` is awaited to the end. */
  private closing = false;
  private readonly exited: Promise<void>;
  /** Armed while nothing is in flight (see WriterIdlePolicy). */
  private idleTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly storeName: string,
    private readonly idle: WriterIdlePolicy | undefined,
  ) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (reply: WriterReply) => this.settle(reply));
    worker.on('error', (error) => this.end(error));
    worker.on('exit', (code) => this.end(new Error(`the writer thread exited with code ${code}`)));
    // Only a pending write keeps the process alive (see `write`), as a pending socket would.
    worker.unref();
    this.armIdleTimer();
  }

  /** Resolves once the thread has opened its connection; rejects (StoreUnavailableError for faults) if it cannot. */
  static start(storeName: string, options: WriterThreadOptions, idle?: WriterIdlePolicy): Promise<SqliteWriterThread> {
    const worker = new Worker(WORKER_FILE, { workerData: options, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    return new Promise((resolve, reject) => {
      const onFirstReply = (reply: WriterReply): void => {
        worker.off('error', onError);
        if (reply.type === 'ready') {
          resolve(new SqliteWriterThread(worker, storeName, idle));
        } else if (reply.type === 'failed-to-open') {
          void worker.terminate();
          reject(reviveError(storeName, 'open', reply.error));
        }
      };
      const onError = (error: Error): void => {
        worker.off('message', onFirstReply);
        reject(new StoreUnavailableError(`${storeName}: the writer thread failed to start: ${error.message}`, { cause: error }));
      };
      worker.once('message', onFirstReply);
      worker.once('error', onError);
    });
  }

  get isRunning(): boolean {
    return this.ended === null;
  }

  write<Name extends SqliteWriteName>(
    name: Name,
    ...args: Parameters<SqliteMessageWrites[Name]>
  ): Promise<ReturnType<SqliteMessageWrites[Name]>> {
    return this.ask(name, (id) => ({ type: 'write', id, name, args })) as Promise<ReturnType<SqliteMessageWrites[Name]>>;
  }

  /** Resolves when the thread answers: it is alive and taking requests. */
  async ping(): Promise<void> {
    await this.ask('ping', (id) => ({ type: 'ping', id }));
  }

  private ask(name: Waiting['name'], request: (id: number) => WriterRequest): Promise<unknown> {
    if (this.ended) {
      return Promise.reject(new StoreUnavailableError(`${this.storeName}: ${name}: ${this.ended.message}`));
    }
    const id = this.nextId++;
    this.clearIdleTimer();
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { name, resolve, reject });
      try {
        this.send(request(id));
      } catch (error) {
        // An argument that cannot be cloned (a caller's bug): nothing was sent, so nothing will answer.
        this.waiting.delete(id);
        if (this.waiting.size === 0 && !this.closing) this.worker.unref();
        this.armIdleTimer();
        reject(error);
      }
    });
  }

  /** Lets the thread finish every write sent so far, then ends it. */
  async close(): Promise<void> {
    if (!this.ended && !this.closing) {
      this.closing = true;
      this.clearIdleTimer();
      this.worker.ref();
      this.send({ type: 'close' });
    }
    await this.exited;
  }

  private send(request: WriterRequest): void {
    this.worker.postMessage(request);
  }

  private settle(reply: WriterReply): void {
    if (reply.type === 'closed') {
      this.end(new Error('the store is closed'));
      return;
    }
    if (reply.type !== 'done' && reply.type !== 'failed') return;
    const waiting = this.waiting.get(reply.id);
    if (!waiting) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0 && !this.closing) this.worker.unref();
    this.armIdleTimer();
    if (reply.type === 'done') waiting.resolve(reply.value);
    else waiting.reject(reviveError(this.storeName, waiting.name, reply.error));
  }

  private armIdleTimer(): void {
    if (!this.idle || this.waiting.size > 0 || this.closing || this.ended) return;
    this.clearIdleTimer();
    const { idleMs, onIdle } = this.idle;
    this.idleTimer = setTimeout(() => onIdle(this), idleMs);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** Whatever ends the thread, no caller is left waiting: each gets a StoreUnavailableError. */
  private end(reason: Error): void {
    this.ended ??= reason;
    this.clearIdleTimer();
    for (const [id, waiting] of this.waiting) {
      this.waiting.delete(id);
      waiting.reject(
        new StoreUnavailableError(`${this.storeName}: ${waiting.name}: ${reason.message}`, { cause: reason }),
      );
    }
  }
}
