// Sign in with an API key (checked with /api/me before it is kept).
import { useState } from 'preact/hooks';
import { useSession } from '../session';
import { asApiError } from '../use-inbox';

export function SignInForm({ idPrefix = 'sign-in', onSignedIn }: { idPrefix?: string; onSignedIn?: () => void }) {
  const session = useSession();
  const [key, setKey] = useState('');
  const [remember, setRemember] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    if (key.trim() === '') {
      setProblem('Paste your API key first.');
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      await session.signIn(key, remember);
      setKey('');
      onSignedIn?.();
    } catch (failure) {
      const error = asApiError(failure);
      setProblem(error.status === 401 ? 'That API key is not known here.' : error.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="sign-in-form" onSubmit={onSubmit}>
      <label for={`${idPrefix}-key`}>API key</label>
      <input
        id={`${idPrefix}-key`}
        name="apiKey"
        type="password"
        autoComplete="current-password"
        spellcheck={false}
        value={key}
        onInput={(event) => setKey((event.currentTarget as HTMLInputElement).value)}
        aria-invalid={problem ? 'true' : undefined}
        aria-describedby={problem ? `${idPrefix}-problem` : undefined}
      />
      <label class="checkbox">
        <input type="checkbox" checked={remember} onChange={(event) => setRemember((event.currentTarget as HTMLInputElement).checked)} />
        Remember on this device
      </label>
      {problem && (
        <p id={`${idPrefix}-problem`} class="field-problem" role="alert">
          {problem}
        </p>
      )}
      <button type="submit" class="button button--primary" disabled={busy}>
        {busy ? 'Signing in\u2026' : 'Sign in'}
      </button>
    </form>
  );
}
