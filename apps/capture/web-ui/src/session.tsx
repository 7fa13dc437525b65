// The reader's sign-in: the API key they typed, checked with /api/me, and the UI session cookie that lets
// the sandboxed message frame and the live inbox stream act for them without a key in any URL.
//
// The key is kept in sessionStorage by default: it is a credential that can delete mail, so it should
// not outlive the tab or sit on disk of a shared machine. "Remember on this device" puts it in
// localStorage instead, for a reader's own machine, where re-typing a key every tab would be a chore.
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { ApiClient, ApiError, type AccountInfo } from './api-client';

const STORAGE_KEY = 'capturebox.apiKey';

export interface Session {
  /** The API client for the current reader (anonymous when not signed in). */
  api: ApiClient;
  account: AccountInfo | null;
  /** False until a remembered key was checked and the UI cookie matches it. */
  ready: boolean;
  signIn(apiKey: string, remember: boolean): Promise<void>;
  signOut(): Promise<void>;
  /**
   * Makes the UI cookie carry this tab's key before a request that relies on it (the message frame, the
   * live stream): another tab may have signed in with another key, or out, since. Anonymous tabs leave
   * the cookie alone, so they do not sign out a signed-in tab; their own API reads stay anonymous anyway.
   */
  refreshUiCookie(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

function storedKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY) ?? localStorage.getItem(STORAGE_KEY);
}

function forgetKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
  localStorage.removeItem(STORAGE_KEY);
}

/** Sets (key) or clears (null) the HttpOnly cookie the UI's own routes read (see src/web/ui-caller.ts). */
async function syncUiCookie(apiKey: string | null): Promise<void> {
  const response = await fetch('/ui/session', {
    method: apiKey ? 'POST' : 'DELETE',
    headers: apiKey ? { 'Mailsac-Key': apiKey } : {},
    credentials: 'same-origin',
  });
  if (!response.ok) throw new ApiError(response.status, 'The API key was not accepted.');
}

export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [apiKey, setApiKey] = useState<string | null>(storedKey);
  const [account, setAccount] = useState<AccountInfo | null>(null);
  const [ready, setReady] = useState(false);

  // On start: check a remembered key and make sure the cookie says the same (a new browser session has
  // dropped it). A key the service no longer knows signs the reader out.
  useEffect(() => {
    let cancelled = false;
    const restore = async () => {
      if (apiKey === null) return;
      try {
        const me = await new ApiClient(apiKey).me();
        await syncUiCookie(apiKey);
        if (!cancelled) setAccount(me);
      } catch (error) {
        if (error instanceof ApiError && error.status === 401 && !cancelled) {
          forgetKey();
          setApiKey(null);
        }
      }
    };
    void restore().finally(() => {
      if (!cancelled) setReady(true);
    });
    return () => {
      cancelled = true;
    };
    // Only on start: signIn and signOut keep key, account and cookie in step afterwards.
  }, []);

  const signIn = useCallback(async (key: string, remember: boolean) => {
    const trimmed = key.trim();
    const me = await new ApiClient(trimmed).me();
    await syncUiCookie(trimmed);
    forgetKey();
    (remember ? localStorage : sessionStorage).setItem(STORAGE_KEY, trimmed);
    setApiKey(trimmed);
    setAccount(me);
  }, []);

  const signOut = useCallback(async () => {
    forgetKey();
    setApiKey(null);
    setAccount(null);
    await syncUiCookie(null).catch(() => undefined);
  }, []);

  const refreshUiCookie = useCallback(async () => {
    if (apiKey !== null) await syncUiCookie(apiKey).catch(() => undefined);
  }, [apiKey]);

  // One client per key: pages re-read their data when it changes, and only then.
  const api = useMemo(() => new ApiClient(apiKey), [apiKey]);
  const session = useMemo<Session>(
    () => ({ api, account, ready, signIn, signOut, refreshUiCookie }),
    [api, account, ready, signIn, signOut, refreshUiCookie],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
