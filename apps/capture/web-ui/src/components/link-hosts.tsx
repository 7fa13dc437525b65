// The Links tab: every link of the message with its host marked, so a link whose text says one site and
// whose host is another, or a link to a test host left in production mail, stands out.
import type { EmailMessage } from '../api-client';
import { countOf } from '../format';
import { CopyButton } from './copy-button';
import { EmptyState } from './notices';

/** Only web and mail links become links; anything else (javascript:, data:...) is shown as text. */
const FOLLOWABLE = /^(https?:|mailto:)/i;

export function hostOf(link: string): string | null {
  try {
    const url = new URL(link);
    return url.protocol === 'mailto:' ? url.pathname.split('@')[1] ?? null : url.hostname || null;
  } catch {
    return null;
  }
}

export function LinksPanel({ message }: { message: EmailMessage }) {
  if (message.links.length === 0) return <EmptyState title="No links found in this message." />;
  const hosts = [...new Set(message.links.map(hostOf).filter((host): host is string => host !== null))];
  return (
    <>
      <p class="panel-toolbar__note">
        {countOf(message.links.length, 'link')} to {countOf(hosts.length, 'host')} found in the text and HTML. They open in a new tab.
      </p>
      <ol class="link-list">
        {message.links.map((link, index) => (
          <li key={index} class="link-list__item">
            <span class="host-mark" title="The host this link goes to">
              {hostOf(link) ?? 'no host'}
            </span>
            {FOLLOWABLE.test(link) ? (
              <a href={link} target="_blank" rel="noopener noreferrer" class="link-list__url">
                {link}
              </a>
            ) : (
              <code class="link-list__url">{link}</code>
            )}
            <CopyButton value={link} label={`Copy ${link}`}>
              Copy<span class="visually-hidden"> {link}</span>
            </CopyButton>
          </li>
        ))}
      </ol>
    </>
  );
}
