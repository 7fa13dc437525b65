// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it: the leader
// renews the Lease every retry period; the others watch its record change and take over only when it has
// not changed for a whole lease duration *by their own clock* (so clock skew between nodes does not
// matter); every write is guarded by the Lease's resourceVersion, so two candidates never both win. A
// leader that cannot renew within the renew deadline stops leading. On a clean stop it releases the Lease
// (empty holder) so a standby takes over at once instead of after a lease duration.
export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

export interface StoredLease {
  record: LeaseRecord;
  resourceVersion: string;
}

/** Where the Lease lives. create/update reject with LeaseConflictError when someone else wrote first. */
export interface LeaseStore {
  get(): Promise<StoredLease | undefined>;
  create(record: LeaseRecord): Promise<void>;
  update(record: LeaseRecord, resourceVersion: string): Promise<void>;
}

export class LeaseConflictError extends Error {
  override readonly name = 'LeaseConflictError';
}

export interface LeaderElectionOptions {
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  now?: () => number;
}

export interface LeaderCallbacks {
  onStartedLeading(): void;
  onStoppedLeading(): void;
  onNewLeader?(identity: string): void;
  onError?(error: unknown): void;
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private observed?: LeaseRecord;
  private observedAt = 0;
  private lastRenewAt = 0;
  private lastLeader = '';
  private wake?: () => void;
  private loop?: Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly store: LeaseStore,
    private readonly options: LeaderElectionOptions,
    private readonly callbacks: LeaderCallbacks,
  ) {
    if (options.renewDeadlineMs >= options.leaseDurationMs) throw new Error('the renew deadline must be shorter than the lease duration');
    if (options.retryPeriodMs >= options.renewDeadlineMs) throw new Error('the retry period must be shorter than the renew deadline');
    this.now = options.now ?? Date.now;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns until stopped or until leadership is lost; resolves then. */
  start(): Promise<void> {
    this.loop ??= this.run();
    return this.loop;
  }

  /** Stops campaigning; a leader releases the Lease first. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  /** One attempt to take or renew the Lease; true when this candidate holds it afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.now();
    const current = await this.store.get();
    const mine: LeaseRecord = {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.ceil(this.options.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    if (!current) {
      await this.store.create(mine).catch(conflictIsFalse);
      if (!(await this.holds())) return false;
      this.remember(mine, now);
      return true;
    }
    if (!sameRecord(current.record, this.observed)) this.remember(current.record, now);
    const holder = current.record.holderIdentity;
    if (holder !== this.lastLeader) {
      this.lastLeader = holder;
      if (holder) this.callbacks.onNewLeader?.(holder);
    }
    const heldByOther = holder !== '' && holder !== this.options.identity;
    const expiresAt = this.observedAt + current.record.leaseDurationSeconds * 1000;
    if (heldByOther && expiresAt > now) return false;
    const next: LeaseRecord =
      holder === this.options.identity
        ? { ...current.record, renewTime: mine.renewTime, leaseDurationSeconds: mine.leaseDurationSeconds }
        : { ...mine, leaseTransitions: current.record.leaseTransitions + 1 };
    try {
      await this.store.update(next, current.resourceVersion);
    } catch (error) {
      if (error instanceof LeaseConflictError) return false;
      throw error;
    }
    this.remember(next, now);
    return true;
  }

  private async holds(): Promise<boolean> {
    const after = await this.store.get();
    return after?.record.holderIdentity === this.options.identity;
  }

  private remember(record: LeaseRecord, at: number): void {
    this.observed = record;
    this.observedAt = at;
  }

  private async attempt(): Promise<boolean> {
    try {
      return await this.tryAcquireOrRenew();
    } catch (error) {
      this.callbacks.onError?.(error);
      return false;
    }
  }

  private async run(): Promise<void> {
    // Campaign.
    while (!this.stopped) {
      if (await this.attempt()) break;
      await this.sleep(jittered(this.options.retryPeriodMs));
    }
    if (this.stopped) return;
    this.leading = true;
    this.lastRenewAt = this.now();
    this.lastLeader = this.options.identity;
    this.callbacks.onNewLeader?.(this.options.identity);
    this.callbacks.onStartedLeading();
    // Lead: renew every retry period; give up when no renewal succeeded within the renew deadline.
    while (!this.stopped) {
      await this.sleep(this.options.retryPeriodMs);
      if (this.stopped) break;
      if (await this.attempt()) {
        this.lastRenewAt = this.now();
      } else if (this.now() - this.lastRenewAt >= this.options.renewDeadlineMs) {
        break;
      }
    }
    if (this.stopped) await this.release();
    this.leading = false;
    this.callbacks.onStoppedLeading();
  }

  private async release(): Promise<void> {
    try {
      const current = await this.store.get();
      if (!current || current.record.holderIdentity !== this.options.identity) return;
      const now = microTime(this.now());
      await this.store.update({ ...current.record, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now }, current.resourceVersion);
    } catch (error) {
      this.callbacks.onError?.(error);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

function sameRecord(a: LeaseRecord, b: LeaseRecord | undefined): boolean {
  return !!b && a.holderIdentity === b.holderIdentity && a.renewTime === b.renewTime && a.leaseTransitions === b.leaseTransitions;
}

function jittered(ms: number): number {
  return ms * (1 + Math.random() * 0.2);
}

function conflictIsFalse(error: unknown): void {
  if (!(error instanceof LeaseConflictError)) throw error;
}
