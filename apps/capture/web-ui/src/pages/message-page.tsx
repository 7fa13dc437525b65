// One message: its codes and links to copy, who, when, how big; star and delete (also by `s` and Delete);
// labels and folder; its content in tabs, the message's checks among them; a spam badge when scored.
import { useEffect, useState } from 'preact/hooks';
import type { EmailMessage } from '../api-client';
import { ChecksPanel } from '../components/checks-panel';
import { LabelEditor } from '../components/label-editor';
import { LinksPanel } from '../components/link-hosts';
import { AttachmentsPanel, HeadersPanel, HtmlPanel, SourcePanel, TextPanel } from '../components/message-panels';
import { QuickCopy } from '../components/quick-copy';
import { isTypingIn } from '../use-list-keys';
import { ErrorNotice, Loading } from '../components/notices';
import { SignInDialog } from '../components/sign-in-dialog';
import { SpamBadge } from '../components/spam-badge';
import { Tabs } from '../components/tabs';
import { addressList, byteSize, longTime } from '../format';
import { hrefs, Link, navigate } from '../routing';
import { useSession } from '../session';
import { useAsync } from '../use-async';
import { asApiError } from '../use-inbox';
import { PageHeading } from './page-heading';

type TabId = 'html' | 'text' | 'source' | 'headers' | 'attachments' | 'links' | 'checks';

export function MessagePage({ email, id }: { email: string; id: string }) {
  const session = useSession();
  const message = useAsync(() => session.api.getMessage(email, id), [session.api, email, id], session.ready);

  // Opening a message reads it, as in any mail client (needs a key: anonymous readers leave it unread).
  useEffect(() => {
    const loaded = message.value;
    if (loaded && !loaded.read && session.api.apiKey) session.api.markRead(email, id).catch(() => undefined);
  }, [message.value?._id, session.api]);

  return (
    <section class="message">
      <p class="back-link">
        <Link href={hrefs.inbox(email)}>
          <span aria-hidden="true">{'\u2190'} </span>Inbox of {email}
        </Link>
      </p>
      {!session.ready || message.loading ? (
        <>
          <PageHeading title="Message" provisional />
          <Loading label="Loading the message\u2026" />
        </>
      ) : message.error || !message.value ? (
        <>
          <PageHeading title="Message not available" />
          {message.error && <ErrorNotice error={message.error} onRetry={message.retry} />}
        </>
      ) : (
        <MessageDetails message={message.value} onChanged={message.set} />
      )}
    </section>
  );
}

function MessageDetails({ message, onChanged }: { message: EmailMessage; onChanged(message: EmailMessage): void }) {
  const session = useSession();
  const [tab, setTab] = useState<TabId>('html');
  // An action waiting for sign-in, and one to run once the new key is in the session.
  const [pending, setPending] = useState<null | 'star' | 'delete'>(null);
  const [queued, setQueued] = useState<null | 'star' | 'delete'>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const starred = message.savedBy !== null;

  const run = async (action: 'star' | 'delete') => {
    setProblem(null);
    try {
      if (action === 'star') onChanged(await session.api.toggleStar(message.inbox, message._id));
      else {
        await session.api.deleteMessage(message.inbox, message._id);
        navigate(hrefs.inbox(message.inbox), { replace: true });
      }
    } catch (failure) {
      setProblem(asApiError(failure).message);
    }
  };
  const request = (action: 'star' | 'delete') => (session.api.apiKey ? void run(action) : setPending(action));
  useEffect(() => {
    if (!queued || !session.api.apiKey) return;
    setQueued(null);
    void run(queued);
  }, [queued, session.api]);
  // The list's keys work here too: `s` stars, Delete deletes (and goes back to the inbox).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || isTypingIn(event.target)) return;
      if (event.key === 's' || event.key === 'Delete') {
        event.preventDefault();
        request(event.key === 's' ? 'star' : 'delete');
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  const tabs: { id: TabId; label: string }[] = [
    { id: 'html', label: 'HTML' },
    { id: 'text', label: 'Text' },
    { id: 'source', label: 'Source' },
    { id: 'headers', label: 'Headers' },
    { id: 'attachments', label: `Attachments (${message.attachments.length})` },
    { id: 'links', label: `Links (${message.links.length})` },
    { id: 'checks', label: 'Checks' },
  ];

  return (
    <>
      <div class="message__header">
        <PageHeading title={message.subject || '(no subject)'} />
        <div class="message__actions">
          <SpamBadge spam={message.spam} />
          <button type="button" class="button" aria-pressed={starred ? 'true' : 'false'} onClick={() => request('star')}>
            <span aria-hidden="true">{starred ? '\u2605' : '\u2606'} </span>
            {starred ? 'Starred' : 'Star'}
          </button>
          <button type="button" class="button button--danger" onClick={() => request('delete')}>
            Delete
          </button>
        </div>
      </div>
      {problem && (
        <p class="field-problem" role="alert">
          {problem}
        </p>
      )}
      <QuickCopy message={message} />
      <dl class="message__facts">
        <dt>From</dt>
        <dd>{addressList(message.from) || '(none)'}</dd>
        <dt>To</dt>
        <dd>{addressList(message.to) || '(none)'}</dd>
        {message.cc.length > 0 && (
          <>
            <dt>Cc</dt>
            <dd>{addressList(message.cc)}</dd>
          </>
        )}
        {message.bcc.length > 0 && (
          <>
            <dt>Bcc</dt>
            <dd>{addressList(message.bcc)}</dd>
          </>
        )}
        <dt>Received</dt>
        <dd>
          <time dateTime={message.received}>{longTime(message.received)}</time>
        </dd>
        <dt>Size</dt>
        <dd>{byteSize(message.size)}</dd>
        {starred && (
          <>
            <dt>Private</dt>
            <dd>Starred by {message.savedBy}: only that account (and admins) can see it.</dd>
          </>
        )}
      </dl>
      <LabelEditor message={message} onChanged={onChanged} />
      <Tabs label="Message content" tabs={tabs} selected={tab} onSelect={setTab}>
        {tab === 'html' && <HtmlPanel message={message} />}
        {tab === 'text' && <TextPanel message={message} />}
        {tab === 'source' && <SourcePanel message={message} />}
        {tab === 'headers' && <HeadersPanel message={message} />}
        {tab === 'attachments' && <AttachmentsPanel message={message} />}
        {tab === 'links' && <LinksPanel message={message} />}
        {tab === 'checks' && <ChecksPanel message={message} />}
      </Tabs>
      <SignInDialog
        open={pending !== null}
        reason={pending === 'delete' ? 'Deleting mail needs an API key.' : 'Starring mail needs an API key.'}
        onDone={() => {
          setQueued(pending);
          setPending(null);
        }}
        onCancel={() => setPending(null)}
      />
    </>
  );
}
