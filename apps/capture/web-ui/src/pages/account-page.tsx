// Signed out: sign in with an API key. Signed in: the account, its API keys, its webhooks (a link to
// their page), its private addresses and domains, its starred (private) messages, sign out.
import { ApiKeysSection } from '../components/api-keys-section';
import { MessageList } from '../components/message-list';
import { OwnedInboxes } from '../components/owned-inboxes';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
import { SignInForm } from '../components/sign-in-form';
import { countOf } from '../format';
import { hrefs, Link } from '../routing';
import { useSession } from '../session';
import { useAsync } from '../use-async';
import { PageHeading } from './page-heading';

const STARRED_SHOWN = 100;

export function AccountPage() {
  const session = useSession();
  if (!session.account) {
    return (
      <section class="account">
        <PageHeading title="Sign in" />
        <p>Sign in with an API key to delete and star mail and to read the mail that is private to your account.</p>
        {session.ready ? <SignInForm /> : <Loading label="Checking your sign-in\u2026" />}
      </section>
    );
  }
  return (
    <section class="account">
      <PageHeading title="Your account" />
      <dl class="account__facts">
        <dt>Signed in as</dt>
        <dd class="account__name">{session.account._id}</dd>
        <dt>Captured mail private</dt>
        <dd>{session.account.capturePrivate ? 'Yes: mail sent with this account is starred (private)' : 'No: mail sent with this account is public'}</dd>
        <dt>Private message limit</dt>
        <dd>{countOf(session.account.messageLimit, 'message')}</dd>
      </dl>
      <button type="button" class="button" onClick={() => void session.signOut()}>
        Sign out
      </button>
      <ApiKeysSection />
      <section class="account__webhooks" aria-labelledby="webhooks-title">
        <h2 id="webhooks-title">Webhooks</h2>
        <p>
          Get each captured message POSTed to your own URL, and see the last deliveries of each: <Link href={hrefs.webhooks()}>manage your webhooks</Link>.
        </p>
      </section>
      <OwnedInboxes />
      <StarredMessages />
    </section>
  );
}

function StarredMessages() {
  const { api } = useSession();
  const starred = useAsync(() => api.listStarred(STARRED_SHOWN), [api]);
  return (
    <section class="starred" aria-labelledby="starred-title">
      <h2 id="starred-title">Starred messages</h2>
      {starred.loading ? (
        <Loading label="Loading starred messages\u2026" />
      ) : starred.error ? (
        <ErrorNotice error={starred.error} onRetry={starred.retry} />
      ) : (starred.value ?? []).length === 0 ? (
        <EmptyState title="Nothing starred yet">
          <p>Star a message to keep it: starred mail is private to your account and survives "Delete all".</p>
        </EmptyState>
      ) : (
        <MessageList messages={starred.value ?? []} showInbox />
      )}
    </section>
  );
}
