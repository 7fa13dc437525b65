// Slows down repeated failed logins (SMTP AUTH) and unknown API keys from one client, so a key cannot be
// guessed at line speed. The first few failures cost nothing (typos happen); after that each failure
// doubles the delay, up to a cap. Memory is bounded: the oldest clients are forgotten first.
const FREE_FAILURES = 3;
const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;
const FORGET_AFTER_MS = 15 * 60_000;
const MAX_CLIENTS = 10_000;

interface ClientFailures {
  count: number;
  last: number;
}

export class FailureThrottle {
  private readonly clients = new Map<string, ClientFailures>();

  constructor(private readonly now: () => number = Date.now) {}

  /** How long to hold the answer to this client's next failed attempt. */
  delayFor(client: string): number {
    const entry = this.current(client);
    if (!entry || entry.count < FREE_FAILURES) return 0;
    return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (entry.count - FREE_FAILURES));
  }

  /** Records a failure and returns the delay to apply before answering it. */
  recordFailure(client: string): number {
    const entry = this.current(client) ?? { count: 0, last: 0 };
    entry.count += 1;
    entry.last = this.now();
    this.clients.delete(client); // re-insert: Map order is our eviction order
    this.clients.set(client, entry);
    if (this.clients.size > MAX_CLIENTS) this.clients.delete(this.clients.keys().next().value as string);
    return this.delayFor(client);
  }

  recordSuccess(client: string): void {
    this.clients.delete(client);
  }

  private current(client: string): ClientFailures | undefined {
    const entry = this.clients.get(client);
    if (entry && this.now() - entry.last > FORGET_AFTER_MS) {
      this.clients.delete(client);
      return undefined;
    }
    return entry;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
