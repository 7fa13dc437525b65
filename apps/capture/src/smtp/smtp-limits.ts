// The SMTP side's resource limits: open connections (in all and per client IP), and the DATA
// transactions in progress with the message bytes they may hold in memory. Past a connection limit a new
// connection is answered 421 and closed; past a DATA limit a transaction waits for its turn (its stream
// unread, so TCP holds the sender back) until the DATA deadline, never an unbounded buffer.
import { Semaphore, withTimeout, E_TIMEOUT } from 'async-mutex';
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

export class DataAdmission {
  // Weighted FIFO semaphores (async-mutex): one place per transaction, and its bytes of the budget.
  private readonly places: Semaphore;
  private readonly bytes: Semaphore;

  constructor(private readonly limits: Pick<SmtpLimits, 'maxDataTransactions' | 'maxInflightBytes'>) {
    this.places = new Semaphore(limits.maxDataTransactions);
    this.bytes = new Semaphore(limits.maxInflightBytes);
  }

  /** Bytes reserved by transactions in DATA now. */
  get inflightBytes(): number {
    return this.limits.maxInflightBytes - this.bytes.getValue();
  }

  /**
   * Waits (at most `timeoutMs`) for a place and `reserve` bytes; resolves with the turn, or null when the
   * wait timed out. A reservation above the whole budget is cut to it, so every transaction can get a turn.
   */
  async enter(reserve: number, timeoutMs: number): Promise<DataTurn | null> {
    const weight = Math.max(1, Math.min(reserve, this.limits.maxInflightBytes));
    const started = Date.now();
    const releasePlace = await acquireWithin(this.places, 1, timeoutMs);
    if (!releasePlace) return null;
    const releaseBytes = await acquireWithin(this.bytes, weight, timeoutMs - (Date.now() - started));
    if (!releaseBytes) {
      releasePlace();
      return null;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      releaseBytes();
      releasePlace();
    };
  }
}

async function acquireWithin(semaphore: Semaphore, weight: number, timeoutMs: number): Promise<(() => void) | null> {
  if (timeoutMs <= 0) return null;
  try {
    const [, release] = await withTimeout(semaphore, timeoutMs).acquire(weight);
    return release;
  } catch (error) {
    if (error === E_TIMEOUT) return null;
    throw error;
  }
}
