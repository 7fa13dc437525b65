// The SMTP side's resource limits: open connections (in all and per client IP), and the DATA
// transactions in progress with the message bytes they may hold in memory. Past a connection limit a new
// connection is answered 421 and closed; past a DATA limit a transaction waits for its turn (its stream
// unread, so TCP holds the sender back) until the DATA deadline, never an unbounded buffer.
import type { SmtpLimits } from '../config';

export type ConnectionRefusal = 'too_many_connections' | 'too_many_connections_from_ip';

export class ConnectionLimits {
  private total = 0;
  private readonly perIp = new Map<string, number>();

  constructor(private readonly limits: Pick<SmtpLimits, 'maxConnections' | 'maxConnectionsPerIp'>) {}

  /** Takes a place for a connection from `ip`, or says why there is none. Give it back with `release`. */
  admit(ip: string): ConnectionRefusal | null {
    if (this.total >= this.limits.maxConnections) return 'too_many_connections';
    const fromIp = this.perIp.get(ip) ?? 0;
    if (fromIp >= this.limits.maxConnectionsPerIp) return 'too_many_connections_from_ip';
    this.total++;
    this.perIp.set(ip, fromIp + 1);
    return null;
  }

  release(ip: string): void {
    const fromIp = this.perIp.get(ip) ?? 0;
    if (fromIp === 0) return;
    this.total--;
    if (fromIp === 1) this.perIp.delete(ip);
    else this.perIp.set(ip, fromIp - 1);
  }
}

/** A turn in DATA: returned exactly once, however the transaction ends. */
export type DataTurn = () => void;

interface Waiter {
  weight: number;
  grant: (turn: DataTurn) => void;
}

/**
 * One FIFO queue for both budgets: a transaction waits until there is a place and its bytes fit, and no later
 * one overtakes it (a large message is not starved by small ones). Every operation is O(waiters), whatever
 * the size of the byte budget: a general weighted semaphore (async-mutex) walked every byte count from the
 * free budget down on each release, milliseconds of CPU per message with the default budget of 50 MB.
 */
export class DataAdmission {
  private freePlaces: number;
  private freeBytes: number;
  private readonly waiters: Waiter[] = [];

  constructor(private readonly limits: Pick<SmtpLimits, 'maxDataTransactions' | 'maxInflightBytes'>) {
    this.freePlaces = limits.maxDataTransactions;
    this.freeBytes = limits.maxInflightBytes;
  }

  /** Bytes reserved by transactions in DATA now. */
  get inflightBytes(): number {
    return this.limits.maxInflightBytes - this.freeBytes;
  }

  /**
   * Waits (at most `timeoutMs`) for a place and `reserve` bytes; resolves with the turn, or null when the
   * wait timed out. A reservation above the whole budget is cut to it, so every transaction can get a turn.
   */
  enter(reserve: number, timeoutMs: number): Promise<DataTurn | null> {
    const weight = Math.max(1, Math.min(reserve, this.limits.maxInflightBytes));
    if (timeoutMs <= 0) return Promise.resolve(null);
    if (this.waiters.length === 0 && this.fits(weight)) return Promise.resolve(this.take(weight));
    return new Promise((resolve) => {
      const waiter: Waiter = {
        weight,
        grant: (turn) => {
          clearTimeout(timer);
          resolve(turn);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        resolve(null);
        // The one that timed out may have been the head that held the others back.
        this.dispatch();
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private fits(weight: number): boolean {
    return this.freePlaces > 0 && weight <= this.freeBytes;
  }

  private take(weight: number): DataTurn {
    this.freePlaces--;
    this.freeBytes -= weight;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.freePlaces++;
      this.freeBytes += weight;
      this.dispatch();
    };
  }

  /** Grants turns in arrival order while the head of the queue fits. */
  private dispatch(): void {
    while (this.waiters.length > 0 && this.fits(this.waiters[0].weight)) {
      const waiter = this.waiters.shift()!;
      waiter.grant(this.take(waiter.weight));
    }
  }
}
