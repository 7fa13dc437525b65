// The signed-in account's webhooks (README "Webhooks"): add one on an owned address, a custom domain or the
// whole account, see each one's secret on request and its latest deliveries, delete it. Everything goes
// through the same REST routes as any client (/api/webhooks).
import { useEffect, useState } from 'preact/hooks';
import type { Webhook, WebhookDelivery, WebhookKind } from '../api-client';
import { ConfirmDialog } from '../components/confirm-dialog';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
import { SignInForm } from '../components/sign-in-form';
import { longTime, shortTime } from '../format';
import { useSession } from '../session';
import { useAsync } from '../use-async';
import { asApiError } from '../use-inbox';
import { PageHeading } from './page-heading';

const DELIVERIES_SHOWN = 10;
/** How often an open page re-reads the delivery logs: a delivery settles within seconds. */
const DELIVERIES_REFRESH_MS = 3000;

export function WebhooksPage() {
  const session = useSession();
  if (!session.account) {
    return (
      <section class="webhooks">
        <PageHeading title="Webhooks" />
        <p>Sign in with an API key to see and set your account's webhooks.</p>
        {session.ready ? <SignInForm idPrefix="webhooks-sign-in" /> : <Loading label="Checking your sign-in\u2026" />}
      </section>
    );
  }
  return <SignedInWebhooks />;
}

function SignedInWebhooks() {
  const { api } = useSession();
  const webhooks = useAsync(() => api.listWebhooks(), [api]);
  const list = webhooks.value ?? [];
  return (
    <section class="webhooks">
      <PageHeading title="Webhooks" />
      <p class="webhooks__lead">Each message captured for the address, domain or account a webhook watches is POSTed to its URL, signed with its secret.</p>
      <NewWebhookForm onCreated={(created) => webhooks.set([...list, created])} />
      <h2>Your webhooks</h2>
      {webhooks.loading && !webhooks.value ? (
        <Loading label="Loading your webhooks\u2026" />
      ) : webhooks.error ? (
        <ErrorNotice error={webhooks.error} onRetry={webhooks.retry} />
      ) : list.length === 0 ? (
        <EmptyState title="No webhooks yet">
          <p>Add one above: captured mail is then sent to your URL as it arrives.</p>
        </EmptyState>
      ) : (
        <ul class="webhook-list">
          {list.map((webhook) => (
            <WebhookItem key={webhook._id} webhook={webhook} onDeleted={() => webhooks.set(list.filter((w) => w._id !== webhook._id))} />
          ))}
        </ul>
      )}
    </section>
  );
}

const KIND_LABELS: Record<WebhookKind, string> = { address: 'Private address', domain: 'Custom domain', account: 'Whole account' };

function NewWebhookForm({ onCreated }: { onCreated(webhook: Webhook): void }) {
  const { api } = useSession();
  const owned = useAsync(() => api.ownedInboxes(), [api]);
  const [kind, setKind] = useState<WebhookKind>('address');
  const [target, setTarget] = useState('');
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const suggestions = kind === 'address' ? owned.value?.addresses : kind === 'domain' ? owned.value?.domains : undefined;

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    if (kind !== 'account' && target.trim() === '') return setProblem(`Type the ${kind} to watch.`);
    if (!/^https?:\/\/\S+$/i.test(url.trim())) return setProblem('Type a whole URL, like https://ci.example.com/hooks/mail.');
    setBusy(true);
    setProblem(null);
    try {
      onCreated(await api.createWebhook({ kind, url: url.trim(), ...(kind === 'account' ? {} : { target: target.trim() }) }));
      setTarget('');
      setUrl('');
    } catch (failure) {
      setProblem(asApiError(failure).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="webhook-form" onSubmit={onSubmit} aria-labelledby="webhook-form-title" novalidate>
      <h2 id="webhook-form-title">Add a webhook</h2>
      <div class="webhook-form__fields">
        <div>
          <label class="field-label" for="webhook-kind">
            Watches
          </label>
          <select id="webhook-kind" name="kind" value={kind} onChange={(event) => setKind((event.currentTarget as HTMLSelectElement).value as WebhookKind)}>
            {(Object.keys(KIND_LABELS) as WebhookKind[]).map((value) => (
              <option key={value} value={value}>
                {KIND_LABELS[value]}
              </option>
            ))}
          </select>
        </div>
        {kind !== 'account' && (
          <div>
            <label class="field-label" for="webhook-target">
              {kind === 'address' ? 'Address' : 'Domain'}
            </label>
            <input
              id="webhook-target"
              name="target"
              type="text"
              list="webhook-targets"
              autoComplete="off"
              autoCapitalize="off"
              spellcheck={false}
              placeholder={kind === 'address' ? 'you@example.com' : 'example.com'}
              value={target}
              onInput={(event) => setTarget((event.currentTarget as HTMLInputElement).value)}
            />
            <datalist id="webhook-targets">
              {(suggestions ?? []).map((value) => (
                <option key={value} value={value} />
              ))}
            </datalist>
          </div>
        )}
        <div>
          <label class="field-label" for="webhook-url">
            URL
          </label>
          <input
            id="webhook-url"
            name="url"
            type="url"
            autoComplete="off"
            spellcheck={false}
            placeholder="https://ci.example.com/hooks/mail"
            value={url}
            onInput={(event) => setUrl((event.currentTarget as HTMLInputElement).value)}
            aria-invalid={problem ? 'true' : undefined}
            aria-describedby={problem ? 'webhook-problem' : undefined}
          />
        </div>
      </div>
      {problem && (
        <p id="webhook-problem" class="field-problem" role="alert">
          {problem}
        </p>
      )}
      <button type="submit" class="button button--primary" disabled={busy}>
        {busy ? 'Adding\u2026' : 'Add webhook'}
      </button>
    </form>
  );
}

function WebhookItem({ webhook, onDeleted }: { webhook: Webhook; onDeleted(): void }) {
  const { api } = useSession();
  const [confirming, setConfirming] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const remove = async () => {
    setConfirming(false);
    try {
      await api.deleteWebhook(webhook._id);
      onDeleted();
    } catch (failure) {
      setProblem(asApiError(failure).message);
    }
  };
  const watches = webhook.kind === 'account' ? 'every message of the account' : webhook.target;
  return (
    <li class="webhook" data-webhook-id={webhook._id}>
      <div class="webhook__header">
        <h3 class="webhook__url">{webhook.url}</h3>
        <button type="button" class="button button--small button--danger" onClick={() => setConfirming(true)}>
          Delete
        </button>
      </div>
      <dl class="account__facts webhook__facts">
        <dt>Watches</dt>
        <dd>
          {KIND_LABELS[webhook.kind]}: {watches}
        </dd>
        <dt>Created</dt>
        <dd>
          <time dateTime={webhook.created} title={longTime(webhook.created)}>
            {shortTime(webhook.created)}
          </time>
        </dd>
        <dt>Secret</dt>
        <dd>
          <SecretField secret={webhook.secret} />
        </dd>
      </dl>
      {problem && (
        <p class="field-problem" role="alert">
          {problem}
        </p>
      )}
      <Deliveries webhookId={webhook._id} />
      <ConfirmDialog open={confirming} title="Delete this webhook?" confirmLabel="Delete webhook" onConfirm={() => void remove()} onCancel={() => setConfirming(false)}>
        <p>Mail stops going to {webhook.url}; deliveries still queued for it are dropped.</p>
      </ConfirmDialog>
    </li>
  );
}

/** The signing secret stays hidden until asked for; copy puts it on the clipboard either way. */
function SecretField({ secret }: { secret: string }) {
  const [shown, setShown] = useState(false);
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('Copied');
    } catch {
      setShown(true);
      setCopied('Copy failed: select it instead');
    }
  };
  return (
    <span class="secret">
      <code class="secret__value">{shown ? secret : '\u2022'.repeat(16)}</code>
      <button type="button" class="button button--small" onClick={() => setShown(!shown)} aria-pressed={shown}>
        {shown ? 'Hide' : 'Show'}
      </button>
      <button type="button" class="button button--small" onClick={() => void copy()}>
        Copy
      </button>
      <span role="status" class="secret__note">
        {copied}
      </span>
    </span>
  );
}

/** The latest deliveries, re-read while the page is open (the last value stays shown meanwhile). */
function Deliveries({ webhookId }: { webhookId: string }) {
  const { api } = useSession();
  const deliveries = useAsync(() => api.listWebhookDeliveries(webhookId, DELIVERIES_SHOWN), [api, webhookId]);
  const { retry } = deliveries;
  useEffect(() => {
    const timer = setInterval(retry, DELIVERIES_REFRESH_MS);
    return () => clearInterval(timer);
  }, [retry]);
  const list = deliveries.value;
  return (
    <section class="deliveries" aria-label="Latest deliveries">
      <h4 class="deliveries__title">Latest deliveries</h4>
      {list === undefined ? (
        deliveries.error ? <ErrorNotice error={deliveries.error} onRetry={retry} /> : <Loading label="Loading deliveries\u2026" />
      ) : list.length === 0 ? (
        <p class="deliveries__none">None yet: mail captured from now on is delivered here.</p>
      ) : (
        <div class="table-scroll">
          <table class="deliveries-table">
            <thead>
              <tr>
                <th scope="col">Captured</th>
                <th scope="col">Inbox</th>
                <th scope="col">State</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last status</th>
                <th scope="col">Latency</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {list.map((delivery) => (
                <DeliveryRow key={delivery._id} delivery={delivery} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function DeliveryRow({ delivery }: { delivery: WebhookDelivery }) {
  const last = delivery.lastAttempts[delivery.lastAttempts.length - 1];
  return (
    <tr data-delivery-id={delivery._id}>
      <td>
        <time dateTime={delivery.created} title={longTime(delivery.created)}>
          {shortTime(delivery.created)}
        </time>
      </td>
      <td class="deliveries-table__inbox">{delivery.inbox}</td>
      <td>
        <span class={`delivery-state delivery-state--${delivery.state}`}>{delivery.state}</span>
      </td>
      <td>{delivery.attempts}</td>
      <td>{last ? (last.status ?? 'none') : '\u2013'}</td>
      <td>{last ? `${Math.round(last.latencyMs)} ms` : '\u2013'}</td>
      <td class="deliveries-table__error">{last?.error ?? ''}</td>
    </tr>
  );
}
