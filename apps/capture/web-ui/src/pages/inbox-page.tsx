// One inbox: newest first, live, paged ("Load older messages"), searchable (live too), filterable by label
// and folder, driven by keyboard (use-list-keys.ts), with "Delete all".
import { useEffect, useState } from 'preact/hooks';
import type { EmailMessage } from '../api-client';
import { AddressForm } from '../components/address-form';
import { ConfirmDialog } from '../components/confirm-dialog';
import { KeyboardHelp } from '../components/keyboard-help';
import { ALL_FOLDERS, ListFilters } from '../components/list-filters';
import { LiveBadge } from '../components/live-badge';
import { MessageList } from '../components/message-list';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
import { SearchBox } from '../components/search-box';
import { SendHint } from '../components/send-hint';
import { SignInDialog } from '../components/sign-in-dialog';
import { countOf } from '../format';
import { rememberInbox } from '../recent-inboxes';
import { useSession } from '../session';
import { asApiError, useInbox } from '../use-inbox';
import { useListKeys, type RowTarget } from '../use-list-keys';
import { useQueryParam } from '../use-query-param';
import { useSearch } from '../use-search';
import { PageHeading } from './page-heading';

const FIRST_PAGE_MARK = 'capturebox:inbox-first-page';
const SEARCH_RESULTS_MARK = 'capturebox:inbox-search-results';
const SEARCH_LIMIT = 100;

export function InboxPage({ email }: { email: string }) {
  const session = useSession();
  const inbox = useInbox(session.api, email, session.ready, session.refreshUiCookie);
  const [query, setQuery] = useQueryParam();
  const [folder, setFolder] = useState(ALL_FOLDERS);
  const [refreshTick, setRefreshTick] = useState(0);
  const search = useSearch(query, async (text) => ({ messages: await session.api.listMessages(email, { limit: SEARCH_LIMIT, query: text }), total: null }), [session.api, email], inbox.arrived.size + refreshTick);
  const [confirmingDeleteAll, setConfirmingDeleteAll] = useState(false);
  const [askingSignIn, setAskingSignIn] = useState(false);
  const [status, setStatus] = useState<string | null>(null);

  useEffect(() => rememberInbox(email), [email]);
  // For the browser tests' measurements: when the first page of rows, or a search's results, are on screen.
  useEffect(() => {
    if (!inbox.loading && inbox.messages.length > 0 && performance.getEntriesByName(FIRST_PAGE_MARK).length === 0) performance.mark(FIRST_PAGE_MARK);
  }, [inbox.loading, inbox.messages.length]);
  useEffect(() => {
    if (search.ranFor && !search.searching) performance.mark(SEARCH_RESULTS_MARK, { detail: search.ranFor });
  }, [search.ranFor, search.searching, search.messages]);

  const act = async (what: string, action: () => Promise<void>) => {
    if (!session.api.apiKey) {
      setStatus(`${what} needs an API key: sign in first.`);
      return;
    }
    try {
      await action();
      setRefreshTick((n) => n + 1);
    } catch (failure) {
      setStatus(asApiError(failure).message);
    }
  };
  useListKeys({
    onDelete: (row: RowTarget) =>
      void act('Deleting mail', async () => {
        await session.api.deleteMessage(row.inbox, row.id);
        inbox.remove(row.id);
        setStatus('Message deleted.');
      }),
    onStar: (row: RowTarget) =>
      void act('Starring mail', async () => {
        const starred: EmailMessage = await session.api.toggleStar(row.inbox, row.id);
        inbox.replace(starred);
        setStatus(starred.savedBy ? 'Message starred.' : 'Star removed.');
      }),
  });

  const startDeleteAll = () => (session.api.apiKey ? setConfirmingDeleteAll(true) : setAskingSignIn(true));
  const deleteAll = async () => {
    setConfirmingDeleteAll(false);
    try {
      await session.api.deleteAllMessages(email);
      setStatus('All messages were deleted (starred ones are kept).');
      inbox.reload();
    } catch (failure) {
      setStatus(asApiError(failure).message);
    }
  };

  const searching = query.trim() !== '';
  const source = searching ? search.messages : inbox.messages;
  const shown = folder === ALL_FOLDERS ? source : source.filter((message) => message.folder === folder);

  return (
    <section class="inbox">
      <div class="inbox__header">
        <div class="inbox__title">
          <PageHeading title={email}>
            <span class="visually-hidden">Inbox of </span>
            <span class="inbox__address">{email}</span>
          </PageHeading>
          <p class="inbox__summary">
            {inbox.total !== null && <span>{countOf(inbox.total, 'message')}</span>}
            <LiveBadge state={inbox.live} />
          </p>
        </div>
        <div class="inbox__actions">
          <KeyboardHelp />
          <button type="button" class="button button--danger" onClick={startDeleteAll} disabled={inbox.messages.length === 0}>
            Delete all
          </button>
        </div>
      </div>
      <AddressForm initial={email} compact key={email} />
      <SearchBox value={query} onChange={setQuery} label="Search this inbox" problem={searching && search.error?.status === 400 ? search.error.message : null} />
      <ListFilters messages={source} query={query} onQuery={setQuery} folder={folder} onFolder={setFolder} />
      {status && (
        <p class="status-line" role="status">
          {status}
        </p>
      )}

      {searching ? (
        <SearchResults searching={search.searching && search.ranFor !== query.trim()} error={search.error} ranFor={search.ranFor} messages={shown} arrived={inbox.arrived} />
      ) : inbox.loading ? (
        <Loading label="Loading the inbox\u2026" />
      ) : inbox.error && inbox.messages.length === 0 ? (
        <ErrorNotice error={inbox.error} onRetry={inbox.reload} />
      ) : inbox.messages.length === 0 ? (
        <EmptyState title="No mail here yet">
          <SendHint email={email} />
          {!session.account && <p>Private mail only shows after you sign in with its owner's API key.</p>}
        </EmptyState>
      ) : (
        <>
          {shown.length === 0 ? <EmptyState title={`Nothing loaded is in the folder \u201c${folder}\u201d.`} /> : <MessageList messages={shown} arrived={inbox.arrived} />}
          {inbox.error && <ErrorNotice error={inbox.error} />}
          {inbox.hasMore ? (
            <div class="load-more">
              <button type="button" class="button" onClick={inbox.loadMore} disabled={inbox.loadingMore}>
                {inbox.loadingMore ? 'Loading\u2026' : 'Load older messages'}
              </button>
            </div>
          ) : (
            <p class="list-end">That is all the mail in this inbox.</p>
          )}
        </>
      )}

      <ConfirmDialog
        open={confirmingDeleteAll}
        title="Delete all messages?"
        confirmLabel="Delete all"
        onConfirm={deleteAll}
        onCancel={() => setConfirmingDeleteAll(false)}
      >
        <p>
          Every message in <strong>{email}</strong> will be deleted, except starred ones. This cannot be undone.
        </p>
      </ConfirmDialog>
      <SignInDialog
        open={askingSignIn}
        reason="Deleting mail needs an API key."
        onDone={() => {
          setAskingSignIn(false);
          setConfirmingDeleteAll(true);
        }}
        onCancel={() => setAskingSignIn(false)}
      />
    </section>
  );
}

function SearchResults({ searching, error, ranFor, messages, arrived }: { searching: boolean; error: ReturnType<typeof useSearch>['error']; ranFor: string; messages: EmailMessage[]; arrived: Set<string> }) {
  if (error && error.status !== 400) return <ErrorNotice error={error} />;
  if (error) return null;
  if (searching && !ranFor) return <Loading label="Searching\u2026" />;
  return (
    <>
      <p class="search-summary" role="status">
        {messages.length === 0 ? `No message matches \u201c${ranFor}\u201d. New mail that matches shows up here by itself.` : `${countOf(messages.length, 'message')} match \u201c${ranFor}\u201d.`}
      </p>
      {messages.length > 0 && <MessageList messages={messages} arrived={arrived} label="Search results, newest first" />}
    </>
  );
}
