// Search across the signed-in account's mail (its private addresses, domains and starred mail; all mail
// for an admin) in the search language, kept live by a wait on the account (use-account-arrivals.ts).
import { useState } from 'preact/hooks';
import { MessageList } from '../components/message-list';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
import { SearchBox } from '../components/search-box';
import { SignInForm } from '../components/sign-in-form';
import { countOf } from '../format';
import { useSession } from '../session';
import { useAccountArrivals } from '../use-account-arrivals';
import { asApiError } from '../use-inbox';
import { useListKeys, type RowTarget } from '../use-list-keys';
import { useQueryParam } from '../use-query-param';
import { useSearch } from '../use-search';
import { PageHeading } from './page-heading';

const SEARCH_LIMIT = 100;

export function SearchPage() {
  const session = useSession();
  const [query, setQuery] = useQueryParam();
  const arrivals = useAccountArrivals(session.api, session.account !== null);
  const [changes, setChanges] = useState(0);
  const [status, setStatus] = useState<string | null>(null);
  const search = useSearch(query, (text) => session.api.search(text, SEARCH_LIMIT), [session.api], arrivals + changes);
  // Delete and `s` act on the focused row, then the search runs again to show the result.
  const act = (done: string, action: () => Promise<unknown>) =>
    void action().then(
      () => {
        setStatus(done);
        setChanges((n) => n + 1);
      },
      (failure: unknown) => setStatus(asApiError(failure).message),
    );
  useListKeys({
    onDelete: (row: RowTarget) => act('Message deleted.', () => session.api.deleteMessage(row.inbox, row.id)),
    onStar: (row: RowTarget) => act('Star changed.', () => session.api.toggleStar(row.inbox, row.id)),
  });

  if (!session.account) {
    return (
      <section class="search-page">
        <PageHeading title="Search your mail" />
        <p>Searching across addresses covers your account's mail: sign in with its API key. (To search one public inbox, open it and use its search.)</p>
        {session.ready ? <SignInForm /> : <Loading label="Checking your sign-in\u2026" />}
      </section>
    );
  }
  const trimmed = query.trim();
  return (
    <section class="search-page">
      <PageHeading title="Search your mail" />
      <p class="search-page__scope">Across your private addresses, custom domains and starred mail{session.account.isAdmin ? ' (as an admin: all mail)' : ''}.</p>
      <SearchBox value={query} onChange={setQuery} label="Search all your mail" problem={search.error?.status === 400 ? search.error.message : null} />
      {status && (
        <p class="status-line" role="status">
          {status}
        </p>
      )}
      {!trimmed ? (
        <EmptyState title="Type a search">
          <p>
            For example <code>from:shop.test is:unread</code> or <code>"reset your password" after:1d</code>. "Search help" lists every operator.
          </p>
        </EmptyState>
      ) : search.error && search.error.status !== 400 ? (
        <ErrorNotice error={search.error} />
      ) : search.error ? null : !search.ranFor ? (
        <Loading label="Searching\u2026" />
      ) : (
        <>
          <p class="search-summary" role="status">
            {search.messages.length === 0
              ? `No message matches \u201c${search.ranFor}\u201d. New mail that matches shows up here by itself.`
              : `${countOf(search.total ?? search.messages.length, 'message')} match \u201c${search.ranFor}\u201d${(search.total ?? 0) > search.messages.length ? `; the newest ${search.messages.length} are shown` : ''}.`}
          </p>
          {search.messages.length > 0 && <MessageList messages={search.messages} showInbox label="Search results, newest first" />}
        </>
      )}
    </section>
  );
}
