// When a failed delivery is tried again: exponential backoff with full jitter (AWS's "Exponential Backoff
// And Jitter"): a uniformly random wait up to min(cap, 1 s x 2^attempts), so receivers coming back from an
// outage are not hit by every replica's retries at once. Retries stop once the delivery is older than the
// configured bound; it is then failed for good.

const BASE_MS = 1_000;

export interface RetryPolicy {
  backoffMaxMs: number;
  retryForMs: number;
}

/** The next attempt's time, or null when the delivery has been retried for long enough. */
export function nextAttemptAt(policy: RetryPolicy, created: Date, attemptsSoFar: number, now: Date, random = Math.random): Date | null {
  const ceiling = Math.min(policy.backoffMaxMs, BASE_MS * 2 ** Math.min(attemptsSoFar, 30));
  const next = new Date(now.getTime() + Math.round(random() * ceiling));
  return next.getTime() - created.getTime() > policy.retryForMs ? null : next;
}
