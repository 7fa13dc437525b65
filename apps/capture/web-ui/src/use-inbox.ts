// The inbox page's data: the first page at once, more pages on demand, and live additions from the
// server's event stream (Server-Sent Events), which reconnects by itself and catches up on reconnect.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, paths, type ApiClient, type EmailMessage } from './api-client';
import { mergeMessages, nextPageQuery, PAGE_SIZE } from './inbox-pages';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'off';

export interface InboxState {
  messages: EmailMessage[];
  /** null while the first page loads. */
  total: number | null;
  loading: boolean;
  loadingMore: boolean;
  error: ApiError | null;
  hasMore: boolean;
  live: LiveState;
  /** Ids that arrived live, for a brief highlight. */
  arrived: Set<string>;
  loadMore(): void;
  /** Reads the first page again (after "delete all": starred mail stays, so the list is read back). */
  reload(): void;
  /** After an action on one message: its new state, or gone. */
  replace(message: EmailMessage): void;
  remove(id: string): void;
}

const RETRY_CLOSED_STREAM_MS = 10_000;

export function useInbox(api: ApiClient, email: string, ready: boolean, refreshUiCookie: () => Promise<void>): InboxState {
  const [messages, setMessages] = useState<EmailMessage[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [live, setLive] = useState<LiveState>('connecting');
  const [arrived, setArrived] = useState<Set<string>>(new Set());
  const [generation, setGeneration] = useState(0);
  const messagesRef = useRef<EmailMessage[]>([]);
  messagesRef.current = messages;

  // First page and count, again whenever the address or the reader changes.
  useEffect(() => {
    if (!ready) return;
    let cancelled = false;
    setLoading(true);
    setError(null);
    setMessages([]);
    setTotal(null);
    setArrived(new Set());
    Promise.all([api.listMessages(email, { limit: PAGE_SIZE }), api.countMessages(email)])
      .then(([page, count]) => {
        if (cancelled) return;
        // Merge rather than replace: the live stream may already have added a newer message.
        setMessages((current) => mergeMessages(current, page));
        setTotal(count);
        // The count includes private mail this reader may not see, so it can promise one page too many:
        // loadMore then finds nothing and says so.
        setHasMore(page.length === PAGE_SIZE || count > page.length);
      })
      .catch((failure: unknown) => {
        if (!cancelled) setError(asApiError(failure));
      })
      .finally(() => {
        if (!cancelled) setLoading(false);
      });
    return () => {
      cancelled = true;
    };
  }, [api, email, ready, generation]);

  // Live: each `captured` event carries the message's summary (as the API lists it): put it on top. Each
  // (re)open also re-reads the first page, so mail that came while disconnected shows up too.
  useEffect(() => {
    if (!ready) return;
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let opens = 0;

    const addMessages = (incoming: EmailMessage[], highlight: boolean) => {
      const known = new Set(messagesRef.current.map((message) => message._id));
      const fresh = incoming.filter((message) => !known.has(message._id));
      if (fresh.length === 0) return;
      setMessages((current) => mergeMessages(current, fresh));
      if (!highlight) return;
      // Counted only when it is news: a first page re-read after start-up is already in the count.
      setTotal((count) => (count === null ? count : count + fresh.length));
      setArrived((ids) => new Set([...ids, ...fresh.map((message) => message._id)]));
    };

    const connect = async () => {
      setLive(opens === 0 ? 'connecting' : 'reconnecting');
      // The stream reads the reader from the UI cookie (an EventSource cannot send headers).
      await refreshUiCookie();
      if (stopped) return;
      source = new EventSource(paths.liveInbox(email));
      source.addEventListener('open', () => {
        setLive('live');
        // Mail captured before the stream was listening (while the first page loaded, or while the
        // connection was down) is in the first page: read it again now that nothing can slip through.
        const reconnected = opens++ > 0;
        api.listMessages(email, { limit: PAGE_SIZE }).then((page) => !stopped && addMessages(page, reconnected), () => undefined);
      });
      source.addEventListener('captured', (event) => {
        if (!stopped) addMessages([JSON.parse((event as MessageEvent<string>).data) as EmailMessage], true);
      });
      source.addEventListener('error', () => {
        if (stopped) return;
        if (source?.readyState === EventSource.CLOSED) {
          // The server refused the stream (or it is down hard): the browser gives up, so try again later.
          setLive('off');
          source.close();
          retry = setTimeout(() => void connect(), RETRY_CLOSED_STREAM_MS);
        } else {
          setLive('reconnecting');
        }
      });
    };
    void connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [api, email, ready, refreshUiCookie]);

  const loadMore = useCallback(() => {
    const loaded = messagesRef.current;
    setLoadingMore(true);
    api
      .listMessages(email, nextPageQuery(loaded))
      .then((page) => {
        const known = new Set(messagesRef.current.map((message) => message._id));
        const fresh = page.filter((message) => !known.has(message._id));
        setMessages((current) => mergeMessages(current, fresh));
        // A page can be short when private mail was left out of it, so only one with nothing new proves the end.
        setHasMore(fresh.length > 0);
        setError(null);
      })
      .catch((failure: unknown) => setError(asApiError(failure)))
      .finally(() => setLoadingMore(false));
  }, [api, email]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  const replace = useCallback((message: EmailMessage) => setMessages((current) => current.map((m) => (m._id === message._id ? message : m))), []);
  const remove = useCallback((id: string) => {
    setMessages((current) => current.filter((m) => m._id !== id));
    setTotal((count) => (count === null ? count : Math.max(0, count - 1)));
  }, []);

  return { messages, total, loading, loadingMore, error, hasMore, live, arrived, loadMore, reload, replace, remove };
}

export function asApiError(failure: unknown): ApiError {
  return failure instanceof ApiError ? failure : new ApiError(-1, failure instanceof Error ? failure.message : String(failure));
}
