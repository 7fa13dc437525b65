// The Checks tab: SpamAssassin's verdict, the HTML features mail clients lack (grouped by feature) and, on
// request, the status of each link. All three come from the API's checks routes (README "Message checks").
// Link URLs are captured input: shown as text, never followed from here.
import { useState } from 'preact/hooks';
import type { ApiError, EmailMessage, HtmlCheck, LinkCheck, LinkStatus, SpamCheck } from '../api-client';
import { countOf } from '../format';
import { useSession } from '../session';
import { useAsync } from '../use-async';
import { asApiError } from '../use-inbox';
import { ErrorNotice, Loading } from './notices';

export function ChecksPanel({ message }: { message: EmailMessage }) {
  return (
    <div class="checks">
      <SpamSection message={message} />
      <HtmlSection message={message} />
      <LinkSection message={message} />
    </div>
  );
}

function SpamSection({ message }: { message: EmailMessage }) {
  const { api } = useSession();
  const check = useAsync(() => api.getSpamCheck(message.inbox, message._id), [api, message._id]);
  return (
    <section class="check" aria-labelledby="check-spam-title">
      <h2 id="check-spam-title" class="check__title">
        Spam score
      </h2>
      {check.loading ? <Loading label="Loading the spam score\u2026" /> : check.error ? <ErrorNotice error={check.error} onRetry={check.retry} /> : <SpamVerdict check={check.value!} onRecheck={check.retry} />}
    </section>
  );
}

function SpamVerdict({ check, onRecheck }: { check: SpamCheck; onRecheck(): void }) {
  if (!check.scored) {
    return (
      <div class="check__unscored">
        <p>
          <strong>Not scored.</strong> The API does not say why: either no spamd is configured (<code>CAPTUREBOX_SPAMD_URL</code>), or it has
          not answered yet (scoring runs just after capture), could not answer in time, or the message was too big for it.
        </p>
        <button type="button" class="button button--small" onClick={onRecheck}>
          Check again
        </button>
      </div>
    );
  }
  const spam = check.score! >= check.required!;
  return (
    <>
      <p class={`check__verdict check__verdict--${spam ? 'bad' : 'good'}`}>{spam ? 'Spam by SpamAssassin\u2019s threshold' : 'Below SpamAssassin\u2019s threshold'}</p>
      <dl class="check__facts">
        <dt>Score</dt>
        <dd class="spam-score">{check.score}</dd>
        <dt>Required</dt>
        <dd>{check.required}</dd>
        <dt>Spam probability</dt>
        <dd>{check.spam}</dd>
      </dl>
      <h3 class="check__subtitle">Rules that fired ({check.rules.length})</h3>
      {check.rules.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul class="check__rules">
          {check.rules.map((rule) => (
            <li key={rule}>
              <code>{rule}</code>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

interface FeatureGroup {
  feature: string;
  unsupported: string[];
  partial: string[];
}

/** One entry per feature: the API gives a row per (feature, support). */
export function groupByFeature(issues: HtmlCheck['issues']): FeatureGroup[] {
  const groups = new Map<string, FeatureGroup>();
  for (const issue of issues) {
    const group = groups.get(issue.feature) ?? { feature: issue.feature, unsupported: [], partial: [] };
    group[issue.support].push(...issue.clients);
    groups.set(issue.feature, group);
  }
  return [...groups.values()];
}

function HtmlSection({ message }: { message: EmailMessage }) {
  const { api } = useSession();
  const check = useAsync(() => api.getHtmlCheck(message.inbox, message._id), [api, message._id]);
  return (
    <section class="check" aria-labelledby="check-html-title">
      <h2 id="check-html-title" class="check__title">
        HTML support in mail clients
      </h2>
      {check.loading ? <Loading label="Checking the HTML\u2026" /> : check.error ? <ErrorNotice error={check.error} onRetry={check.retry} /> : <HtmlIssues check={check.value!} />}
    </section>
  );
}

function HtmlIssues({ check }: { check: HtmlCheck }) {
  if (!check.checked) return <p>No HTML part: nothing to check.</p>;
  const groups = groupByFeature(check.issues);
  return (
    <>
      <p>
        {groups.length === 0 ? 'Every feature it uses is supported by the mail clients caniemail.com knows.' : `${countOf(groups.length, 'feature')} not supported everywhere (caniemail.com\u2019s data).`}
        {check.truncated && ' Only the first 512 KiB of the HTML were checked.'}
      </p>
      {groups.length > 0 && (
        <ul class="html-issues">
          {groups.map((group) => (
            <li key={group.feature} class="html-issue">
              <h3 class="html-issue__feature">
                <code>{group.feature}</code>
              </h3>
              <ClientLine support="Not supported by" clients={group.unsupported} />
              <ClientLine support="Partly supported by" clients={group.partial} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function ClientLine({ support, clients }: { support: string; clients: string[] }) {
  if (clients.length === 0) return null;
  return (
    <p class="html-issue__clients">
      <span class="html-issue__count">
        {support} {countOf(clients.length, 'client')}:
      </span>{' '}
      {clients.join(', ')}
    </p>
  );
}

function LinkSection({ message }: { message: EmailMessage }) {
  const { api } = useSession();
  const [check, setCheck] = useState<LinkCheck | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      setCheck(await api.checkLinks(message.inbox, message._id));
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="check" aria-labelledby="check-links-title">
      <h2 id="check-links-title" class="check__title">
        Links
      </h2>
      <p>
        Capturebox requests each of the {countOf(message.links.length, 'link')} now (HEAD, then GET), only on hosts listed in <code>CAPTUREBOX_LINK_CHECK_HOSTS</code>.
      </p>
      <button type="button" class="button" onClick={() => void run()} disabled={busy || message.links.length === 0}>
        {busy ? 'Checking links\u2026' : check ? 'Check links again' : 'Check links'}
      </button>
      <div role="status" class="check__status">
        {busy ? 'Checking links\u2026' : check ? `${countOf(check.links.length, 'link')} checked.` : ''}
      </div>
      {error && <ErrorNotice error={error} />}
      {check && !busy && (
        <>
          {check.truncated && <p>Only the first {check.links.length} links were checked.</p>}
          <ol class="link-checks">
            {check.links.map((link, index) => (
              <li key={index} class={`link-check link-check--${link.result}`}>
                <span class="link-check__result">{resultOf(link)}</span>
                <code class="link-check__url">{link.url}</code>
                {link.redirects > 0 && (
                  <span class="link-check__redirects">
                    {countOf(link.redirects, 'redirect')}
                    {link.finalUrl && link.finalUrl !== link.url && <>, to <code>{link.finalUrl}</code></>}
                  </span>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

const FAILURES: Record<NonNullable<LinkStatus['error']>, string> = {
  timeout: 'timed out',
  unreachable: 'unreachable',
  redirect_loop: 'redirect loop',
  too_many_redirects: 'too many redirects',
  not_http: 'not an http(s) link',
};

function resultOf(link: LinkStatus): string {
  switch (link.result) {
    case 'ok':
      return link.status === null ? 'OK' : `OK (${link.status})`;
    case 'broken':
      return `Broken (${link.status})`;
    case 'not_allowed':
      return 'Not checked: host not in CAPTUREBOX_LINK_CHECK_HOSTS';
    case 'failed':
      return `Failed: ${link.error ? FAILURES[link.error] : 'unknown'}`;
  }
}
