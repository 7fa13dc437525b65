// Counts mail arriving anywhere in the signed-in account, by holding one wait open at a time
// (GET /api/wait, which answers as soon as a message is captured, or 204 after its timeout): the account
// search page re-runs its search on each, so its results stay live without polling.
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from './api-client';

const WAIT_SECONDS = 25;
const RETRY_AFTER_FAILURE_MS = 5_000;

export function useAccountArrivals(api: ApiClient, enabled: boolean): number {
  const [arrivals, setArrivals] = useState(0);
  useEffect(() => {
    if (!enabled || !api.apiKey) return;
    const stop = new AbortController();
    void (async () => {
      let since = await api.waitCursor().catch(() => new Date().toISOString());
      while (!stop.signal.aborted) {
        try {
          const arrived = await api.waitForMail(since, WAIT_SECONDS, stop.signal);
          if (!arrived) continue;
          // Strictly after this one next time (the API's since is inclusive).
          since = new Date(Date.parse(arrived.received) + 1).toISOString();
          setArrivals((n) => n + 1);
        } catch {
          if (!stop.signal.aborted) await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_FAILURE_MS));
        }
      }
    })();
    return () => stop.abort();
  }, [api, enabled]);
  return arrivals;
}
