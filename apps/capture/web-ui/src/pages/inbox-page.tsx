// One inbox: newest first, live, paged ("Load older messages"), with "Delete all".
import { useEffect, useState } from 'preact/hooks';
import { AddressForm } from '../components/address-form';
import { ConfirmDialog } from '../components/confirm-dialog';
import { LiveBadge } from '../components/live-badge';
import { MessageList } from '../components/message-list';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
import { SignInDialog } from '../components/sign-in-dialog';
import { countOf } from '../format';
import { rememberInbox } from '../recent-inboxes';
import { useSession } from '../session';
import { asApiError, useInbox } from '../use-inbox';
import { PageHeading } from './page-heading';

const FIRST_PAGE_MARK = 'capturebox:inbox-first-page';

export function InboxPage({ email }: { email: string }) {
  const session = useSession();
  const inbox = useInbox(session.api, email, session.ready, session.refreshUiCookie);
  const [confirmingDeleteAll, setConfirmingDeleteAll] = useState(false);
  const [askingSignIn, setAskingSignIn] = useState(false);
  const [status, setStatus] = useState<string | null>(null);

  useEffect(() => rememberInbox(email), [email]);
  // For the browser test's measurement: when the first page of rows is on screen.
  useEffect(() => {
    if (!inbox.loading && inbox.messages.length > 0 && performance.getEntriesByName(FIRST_PAGE_MARK).length === 0) performance.mark(FIRST_PAGE_MARK);
  }, [inbox.loading, inbox.messages.length]);

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
          <button type="button" class="button button--danger" onClick={startDeleteAll} disabled={inbox.messages.length === 0}>
            Delete all
          </button>
        </div>
      </div>
      <AddressForm initial={email} compact key={email} />
      {status && (
        <p class="status-line" role="status">
          {status}
        </p>
      )}

      {inbox.loading ? (
        <Loading label="Loading the inbox\u2026" />
      ) : inbox.error && inbox.messages.length === 0 ? (
        <ErrorNotice error={inbox.error} onRetry={inbox.reload} />
      ) : inbox.messages.length === 0 ? (
        <EmptyState title="No mail here yet">
          <p>
            Send something to <strong>{email}</strong>: it shows up here by itself, no reload needed.
          </p>
          {!session.account && <p>Private mail only shows after you sign in with its owner's API key.</p>}
        </EmptyState>
      ) : (
        <>
          <MessageList messages={inbox.messages} arrived={inbox.arrived} />
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
