// The account's API keys: list (labels and dates, never secrets), create one (its secret is shown this
// once, with a copy button), revoke one (after a confirmation; revoking the key in use signs this tab out).
import { useState } from 'preact/hooks';
import { longTime } from '../format';
import { useSession } from '../session';
import { useAsync } from '../use-async';
import { asApiError } from '../use-inbox';
import { ConfirmDialog } from './confirm-dialog';
import { CopyButton } from './copy-button';
import { EmptyState, ErrorNotice, FieldProblem, Loading } from './notices';

export function ApiKeysSection() {
  const { api, signOut } = useSession();
  const keys = useAsync(() => api.listMyKeys(), [api]);
  const [label, setLabel] = useState('');
  const [issued, setIssued] = useState<{ keyId: string; apiKey: string; label: string } | null>(null);
  const [revoking, setRevoking] = useState<{ id: string; label: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const create = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    try {
      const key = await api.issueMyKey(label.trim());
      setIssued({ ...key, label: label.trim() });
      setLabel('');
      keys.retry();
    } catch (failure) {
      setProblem(asApiError(failure).message);
    }
  };
  const revoke = async () => {
    const doomed = revoking;
    setRevoking(null);
    if (!doomed) return;
    try {
      await api.revokeMyKey(doomed.id);
      if (issued?.keyId === doomed.id) setIssued(null);
      // The key this tab signed in with may be the one revoked: then /api/me says so and we sign out.
      await api.me().then(() => keys.retry(), () => void signOut());
    } catch (failure) {
      setProblem(asApiError(failure).message);
    }
  };

  return (
    <section class="api-keys" aria-labelledby="api-keys-title">
      <h2 id="api-keys-title">API keys</h2>
      <form class="api-keys__form" onSubmit={create}>
        <label for="new-key-label">Label for a new key</label>
        <input id="new-key-label" type="text" value={label} maxLength={100} placeholder="e.g. CI pipeline" onInput={(event) => setLabel((event.target as HTMLInputElement).value)} />
        <button type="submit" class="button button--primary">
          Create key
        </button>
      </form>
      <FieldProblem problem={problem} />
      {issued && (
        <div class="notice notice--success api-keys__issued" role="status">
          <p class="notice__title">New key{issued.label ? ` \u201c${issued.label}\u201d` : ''}: copy it now, it is not shown again.</p>
          <code class="api-keys__secret">{issued.apiKey}</code> <CopyButton value={issued.apiKey} label="Copy key" />
        </div>
      )}
      {keys.loading && !keys.value ? (
        <Loading label="Loading your keys\u2026" />
      ) : keys.error ? (
        <ErrorNotice error={keys.error} onRetry={keys.retry} />
      ) : (keys.value ?? []).length === 0 ? (
        <EmptyState title="No keys" />
      ) : (
        <ul class="api-keys__list">
          {keys.value!.map((key) => (
            <li key={key.id} class="api-keys__item">
              <span class="api-keys__label">{key.label || '(no label)'}</span>
              <span class="api-keys__meta">
                created <time dateTime={key.created}>{longTime(key.created)}</time>
              </span>
              <button type="button" class="button button--small button--danger" onClick={() => setRevoking({ id: key.id, label: key.label || '(no label)' })}>
                Revoke<span class="visually-hidden"> key {key.label || key.id}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog open={revoking !== null} title="Revoke this key?" confirmLabel="Revoke" onConfirm={() => void revoke()} onCancel={() => setRevoking(null)}>
        <p>
          Anything still using the key <strong>{revoking?.label}</strong> is refused from now on. If it is the key you signed in with, you are signed out.
        </p>
      </ConfirmDialog>
    </section>
  );
}
