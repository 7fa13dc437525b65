// Inbox rows, newest first and grouped by day: sender, subject, labels and folder, how long ago it came
// (the full date on hover), size, attachment marker, spam score when scored, and unread state.
import type { EmailMessage } from '../api-client';
import { byteSize, longTime, senderName } from '../format';
import { groupByDay, relativeTime } from '../relative-time';
import { hrefs, Link } from '../routing';
import { useNow } from '../use-now';
import { MessageTags } from './message-tags';
import { SpamBadge } from './spam-badge';

export function MessageList({ messages, arrived, showInbox = false, label = 'Messages, newest first' }: { messages: EmailMessage[]; arrived?: Set<string>; showInbox?: boolean; label?: string }) {
  const now = useNow();
  return (
    <div class="message-list" role="region" aria-label={label}>
      {groupByDay(messages, now).map((group) => (
        <section class="day-group" key={group.label} aria-label={group.label}>
          <h2 class="day-group__title" aria-hidden="true">
            {group.label}
          </h2>
          <ul class="day-group__rows">
            {group.items.map((message) => (
              <MessageRow key={message._id} message={message} now={now} isNew={arrived?.has(message._id) ?? false} showInbox={showInbox} />
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

function MessageRow({ message, now, isNew, showInbox }: { message: EmailMessage; now: Date; isNew: boolean; showInbox: boolean }) {
  const classes = ['message-row', message.read ? 'is-read' : 'is-unread', isNew ? 'is-new' : ''].filter(Boolean).join(' ');
  const hasAttachments = message.attachments.length > 0;
  return (
    <li class={classes} data-message-id={message._id} data-inbox={message.inbox}>
      <Link href={hrefs.message(message.inbox, message._id)} class="message-row__link">
        <span class="message-row__unread" aria-hidden="true" />
        <span class="message-row__from">
          {!message.read && <span class="visually-hidden">Unread. </span>}
          {senderName(message.from)}
        </span>
        <span class="message-row__subject">
          {message.savedBy && (
            <span class="star-mark" title="Starred (private)">
              <span aria-hidden="true">{'\u2605'}</span>
              <span class="visually-hidden">Starred. </span>
            </span>
          )}
          {message.subject || '(no subject)'}
          {showInbox && <span class="message-row__inbox"> {message.inbox}</span>}
          <MessageTags labels={message.labels} folder={message.folder} />
          <SpamBadge spam={message.spam} />
        </span>
        <span class="message-row__meta">
          {hasAttachments && (
            <span class="attachment-mark" title={`${message.attachments.length} attachment(s)`}>
              <PaperclipIcon />
              <span class="visually-hidden">Has attachments. </span>
            </span>
          )}
          <span class="message-row__size">{byteSize(message.size)}</span>
          <time class="message-row__time" dateTime={message.received} title={longTime(message.received)}>
            {relativeTime(message.received, now)}
          </time>
        </span>
      </Link>
    </li>
  );
}

function PaperclipIcon() {
  return (
    <svg class="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <path
        fill="none"
        stroke="currentColor"
        stroke-width="2"
        stroke-linecap="round"
        stroke-linejoin="round"
        d="M21 11.5l-8.6 8.6a5.5 5.5 0 01-7.8-7.8l8.6-8.6a3.7 3.7 0 015.2 5.2l-8.6 8.6a1.8 1.8 0 01-2.6-2.6l7.9-7.9"
      />
    </svg>
  );
}
