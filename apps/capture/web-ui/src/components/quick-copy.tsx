// The top of a message: its one-time codes and links as one-click copy buttons, so a person doing a manual
// sign-up test never hunts through the HTML. Codes come best first from the codes route.
import type { EmailMessage } from '../api-client';
import { useSession } from '../session';
import { useAsync } from '../use-async';
import { CopyButton } from './copy-button';
import { hostOf } from './link-hosts';

const LINKS_SHOWN = 5;

export function QuickCopy({ message }: { message: EmailMessage }) {
  const { api } = useSession();
  const found = useAsync(() => api.getCodes(message.inbox, message._id), [api, message._id]);
  const codes = found.value?.codes ?? [];
  const links = (found.value?.links ?? message.links).filter((link) => /^https?:/i.test(link));
  if (codes.length === 0 && links.length === 0) return null;
  return (
    <section class="quick-copy" aria-label="Codes and links to copy">
      {codes.length > 0 && (
        <div class="quick-copy__row">
          <span class="quick-copy__title">{codes.length === 1 ? 'Code' : 'Codes'}</span>
          {codes.map((code, index) => (
            <CopyButton key={code.value} value={code.value} label={`Copy code ${code.value}`} class={index === 0 ? 'button quick-copy__code quick-copy__code--best' : 'button quick-copy__code'}>
              <span aria-hidden="true">{code.value}</span>
              <span class="visually-hidden">Copy code {code.value}</span>
            </CopyButton>
          ))}
        </div>
      )}
      {links.length > 0 && (
        <div class="quick-copy__row">
          <span class="quick-copy__title">{links.length === 1 ? 'Link' : 'Links'}</span>
          {links.slice(0, LINKS_SHOWN).map((link) => (
            <CopyButton key={link} value={link} label={`Copy link ${link}`} class="button button--small quick-copy__link">
              <span aria-hidden="true">{hostOf(link) ?? link}</span>
              <span class="visually-hidden">Copy link {link}</span>
            </CopyButton>
          ))}
          {links.length > LINKS_SHOWN && <span class="quick-copy__more">and {links.length - LINKS_SHOWN} more in the Links tab</span>}
        </div>
      )}
    </section>
  );
}
