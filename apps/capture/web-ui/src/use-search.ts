// A search as the reader types: runs `query` a moment after the last keystroke (older answers are
// dropped), and again, quietly, whenever `refreshTick` changes (new mail came), so results stay live.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError, EmailMessage } from './api-client';
import { asApiError } from './use-inbox';

const TYPING_PAUSE_MS = 200;

export interface SearchState {
  /** The query the results are for ('' when none ran). */
  ranFor: string;
  messages: EmailMessage[];
  /** How many match in all, when the route says (the account search does; an inbox page does not). */
  total: number | null;
  searching: boolean;
  error: ApiError | null;
}

export function useSearch(query: string, run: (query: string) => Promise<{ messages: EmailMessage[]; total: number | null }>, inputs: unknown[], refreshTick: number): SearchState {
  const [state, setState] = useState<SearchState>({ ranFor: '', messages: [], total: null, searching: false, error: null });
  const latest = useRef(0);
  const trimmed = query.trim();

  const start = (delay: number) => {
    if (!trimmed) {
      latest.current++;
      setState({ ranFor: '', messages: [], total: null, searching: false, error: null });
      return undefined;
    }
    const ticket = ++latest.current;
    const timer = setTimeout(() => {
      setState((current) => ({ ...current, searching: true }));
      run(trimmed).then(
        (found) => ticket === latest.current && setState({ ranFor: trimmed, messages: found.messages, total: found.total, searching: false, error: null }),
        (failure: unknown) => ticket === latest.current && setState((current) => ({ ...current, ranFor: trimmed, searching: false, error: asApiError(failure) })),
      );
    }, delay);
    return () => clearTimeout(timer);
  };

  // The first run (a query in the page's address) starts at once; later ones wait for a pause in typing.
  const typedBefore = useRef(false);
  // `run` is a fresh closure every render; `inputs` says when it means something new.
  useEffect(() => {
    const delay = typedBefore.current ? TYPING_PAUSE_MS : 0;
    typedBefore.current = true;
    return start(delay);
  }, [trimmed, ...inputs]);
  useEffect(() => (refreshTick > 0 ? start(0) : undefined), [refreshTick]);
  return state;
}
