// Runs an async read when its inputs change and tracks loading, value and error; `retry` runs it again.
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ApiError } from './api-client';
import { asApiError } from './use-inbox';

export interface AsyncState<T> {
  value: T | undefined;
  error: ApiError | null;
  loading: boolean;
  retry(): void;
  /** Replace the value locally (after an action that returned the new one). */
  set(value: T): void;
}

export function useAsync<T>(read: () => Promise<T>, inputs: unknown[], enabled = true): AsyncState<T> {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (!enabled) return;
    let cancelled = false;
    setLoading(true);
    setError(null);
    read().then(
      (result) => {
        if (cancelled) return;
        setValue(result);
        setLoading(false);
      },
      (failure: unknown) => {
        if (cancelled) return;
        setError(asApiError(failure));
        setLoading(false);
      },
    );
    return () => {
      cancelled = true;
    };
    // `read` is a fresh closure every render; `inputs` says when it means something new.
  }, [...inputs, enabled, attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { value, error, loading, retry, set: setValue };
}
