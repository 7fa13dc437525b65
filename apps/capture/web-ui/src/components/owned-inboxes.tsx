// The account's private addresses (each links to its inbox; reserve one, release one, its mail kept as a
// public inbox) and its custom domains (an admin assigns those).
import { useState } from 'preact/hooks';
import { looksLikeAddress } from '../format';
import { hrefs, Link } from '../routing';
import { useSession } from '../session';
import { useAsync } from '../use-async';
import { asApiError } from '../use-inbox';
import { ConfirmDialog } from './confirm-dialog';
import { EmptyState, ErrorNotice, FieldProblem, Loading } from './notices';

export function OwnedInboxes() {
  const { api } = useSession();
  const owned = useAsync(() => api.ownedInboxes(), [api]);
  const [draft, setDraft] = useState('');
  const [releasing, setReleasing] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const change = async (action: () => Promise<void>) => {
    setProblem(null);
    try {
      await action();
      owned.retry();
    } catch (failure) {
      setProblem(asApiError(failure).message);
    }
  };
  const reserve = (event: Event) => {
    event.preventDefault();
    const address = draft.trim().toLowerCase();
    if (!looksLikeAddress(address)) return setProblem('Type a whole address, like qa-signup@your-domain.test.');
    setDraft('');
    void change(() => api.reserveAddress(address));
  };
  const release = () => {
    const address = releasing;
    setReleasing(null);
    if (address) void change(() => api.releaseAddress(address));
  };

  const addresses = owned.value?.addresses ?? [];
  const domains = owned.value?.domains ?? [];
  return (
    <section class="owned" aria-labelledby="owned-title">
      <h2 id="owned-title">Your addresses and domains</h2>
      <form class="api-keys__form" onSubmit={reserve}>
        <label for="reserve-address">Reserve a private address</label>
        <input id="reserve-address" type="text" value={draft} placeholder="qa-signup@your-domain.test" onInput={(event) => setDraft((event.target as HTMLInputElement).value)} />
        <button type="submit" class="button">
          Reserve
        </button>
      </form>
      <FieldProblem problem={problem} />
      {owned.loading && !owned.value ? (
        <Loading label="Loading your addresses\u2026" />
      ) : owned.error ? (
        <ErrorNotice error={owned.error} onRetry={owned.retry} />
      ) : addresses.length + domains.length === 0 ? (
        <EmptyState title="No private addresses or domains">
          <p>Reserve an address above: its mail is then yours only. An admin assigns custom domains.</p>
        </EmptyState>
      ) : (
        <ul class="owned__list">
          {addresses.map((address) => (
            <li key={address} class="api-keys__item">
              <Link href={hrefs.inbox(address)}>{address}</Link>
              <button type="button" class="button button--small" onClick={() => setReleasing(address)}>
                Release<span class="visually-hidden"> {address}</span>
              </button>
            </li>
          ))}
          {domains.map((domain) => (
            <li key={domain} class="api-keys__item">
              any address at <strong>{domain}</strong>
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog open={releasing !== null} title="Release this address?" confirmLabel="Release" onConfirm={release} onCancel={() => setReleasing(null)}>
        <p>
          <strong>{releasing}</strong> stops being private: its mail stays, readable by anyone, and anyone may reserve it.
        </p>
      </ConfirmDialog>
    </section>
  );
}
