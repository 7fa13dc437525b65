// The message list's keys: j / k move between rows, Enter opens one (it is a link), `/` goes to search,
// Delete deletes and `s` stars the focused row. Keys typed into a field or with a modifier are left alone.
import { useEffect } from 'preact/hooks';
import { SEARCH_INPUT_ID } from './components/search-box';

export interface RowTarget {
  inbox: string;
  id: string;
}

const ROW_LINK = '.message-row__link';

export function isTypingIn(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  return !!element && (element.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName) || !!element.closest('dialog[open]'));
}

export function useListKeys(actions: { onDelete(row: RowTarget): void; onStar(row: RowTarget): void }): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.key === '/' && !isTypingIn(event.target)) {
        event.preventDefault();
        document.getElementById(SEARCH_INPUT_ID)?.focus();
        return;
      }
      if (isTypingIn(event.target)) return;
      const links = [...document.querySelectorAll<HTMLAnchorElement>(ROW_LINK)];
      const at = links.indexOf(document.activeElement as HTMLAnchorElement);
      if (event.key === 'j' || event.key === 'k') {
        event.preventDefault();
        const next = at < 0 ? 0 : Math.min(links.length - 1, Math.max(0, at + (event.key === 'j' ? 1 : -1)));
        links[next]?.focus();
        return;
      }
      const row = at >= 0 ? links[at].closest<HTMLElement>('.message-row') : null;
      if (!row?.dataset.messageId || !row.dataset.inbox) return;
      const target = { inbox: row.dataset.inbox, id: row.dataset.messageId };
      if (event.key === 'Delete') {
        event.preventDefault();
        // Keep the keyboard in the list: the next row (or the one above) takes the focus.
        (links[at + 1] ?? links[at - 1])?.focus();
        actions.onDelete(target);
      } else if (event.key === 's') {
        event.preventDefault();
        actions.onStar(target);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });
}
