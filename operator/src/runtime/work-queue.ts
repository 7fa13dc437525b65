// A work queue of keys ("namespace/name") in the manner of client-go's: a key waits at most once, is never
// handled by two workers at once (added again while in hand, it runs once more afterwards), failures come
// back after an exponential per-key backoff, and a handler may ask to see a key again after a delay.
export interface HandleResult {
  /** Handle the key again after this many milliseconds (e.g. when it expires). */
  requeueAfterMs?: number;
}

export type KeyHandler = (key: string) => Promise<HandleResult | void>;

export interface WorkQueueOptions {
  concurrency: number;
  /** First retry delay after a failure; doubled per consecutive failure of the same key. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** Told about every handled key (for metrics and logs). */
  onHandled?: (key: string, outcome: { ok: boolean; durationMs: number; error?: unknown; retryInMs?: number }) => void;
}

/** setTimeout's ceiling (about 24.8 days); longer waits are re-armed by the caller's resync anyway. */
const MAX_TIMER_MS = 2_147_483_647;

export class WorkQueue {
  private readonly waiting: string[] = [];
  private readonly waitingSet = new Set<string>();
  private readonly inHand = new Set<string>();
  /** Keys added while in hand: queued again as soon as their worker is done. */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly idleWaiters: Array<() => void> = [];
  private running = 0;
  private stopped = false;

  constructor(
    private readonly handler: KeyHandler,
    private readonly options: WorkQueueOptions,
  ) {}

  /** Keys waiting to be handled (not counting those in hand or waiting for a delay). */
  get depth(): number {
    return this.waiting.length;
  }

  get delayed(): number {
    return this.timers.size;
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.inHand.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.waitingSet.has(key)) return;
    this.waitingSet.add(key);
    this.waiting.push(key);
    this.pump();
  }

  /** Adds the key after `delayMs`; an earlier pending delay for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) return this.add(key);
    const at = Date.now() + delayMs;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        this.add(key);
      },
      Math.min(delayMs, MAX_TIMER_MS),
    );
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  backoffFor(failures: number): number {
    return Math.min(this.options.maxBackoffMs, this.options.baseBackoffMs * 2 ** Math.max(0, failures - 1));
  }

  /** Stops handing out keys and cancels delays; resolves when the workers in hand are done. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.waiting.length = 0;
    this.waitingSet.clear();
    await this.idle();
  }

  /** Resolves when no key is in hand and none is waiting (delayed keys do not count). */
  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (!this.stopped && this.running < this.options.concurrency && this.waiting.length > 0) {
      const key = this.waiting.shift()!;
      this.waitingSet.delete(key);
      this.inHand.add(key);
      this.running++;
      void this.work(key);
    }
    if (this.running === 0 && this.waiting.length === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  private async work(key: string): Promise<void> {
    const started = performance.now();
    try {
      const result = await this.handler(key);
      this.failures.delete(key);
      this.options.onHandled?.(key, { ok: true, durationMs: performance.now() - started });
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (error) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      const retryInMs = this.backoffFor(failures);
      this.options.onHandled?.(key, { ok: false, durationMs: performance.now() - started, error, retryInMs });
      this.addAfter(key, retryInMs);
    } finally {
      this.inHand.delete(key);
      this.running--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}
