// A tiny client-side router over the History API: a handful of routes, no library needed. The server answers
// every one of these paths with index.html (see src/web/ui-pages.controller.ts).
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'home' }
  | { page: 'inbox'; email: string }
  | { page: 'message'; email: string; id: string }
  | { page: 'account' }
  | { page: 'webhooks' }
  | { page: 'search' }
  | { page: 'chaos' }
  | { page: 'not-found' };

const NAVIGATED = 'capturebox:navigated';

/** Set by an in-app navigation; the next page's final heading takes the focus and clears it. */
let headingFocusPending = false;

export function takeHeadingFocus(): boolean {
  const pending = headingFocusPending;
  headingFocusPending = false;
  return pending;
}

export function routeOf(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(safeDecode);
  if (parts.length === 0) return { page: 'home' };
  if (parts[0] === 'account' && parts.length === 1) return { page: 'account' };
  if (parts[0] === 'webhooks' && parts.length === 1) return { page: 'webhooks' };
  if (parts[0] === 'search' && parts.length === 1) return { page: 'search' };
  if (parts[0] === 'chaos' && parts.length === 1) return { page: 'chaos' };
  if (parts[0] === 'inbox' && parts.length === 2 && parts[1]) return { page: 'inbox', email: parts[1] };
  if (parts[0] === 'inbox' && parts.length === 3 && parts[1] && parts[2]) return { page: 'message', email: parts[1], id: parts[2] };
  return { page: 'not-found' };
}

export const hrefs = {
  home: () => '/',
  inbox: (email: string) => `/inbox/${encodeURIComponent(email)}`,
  message: (email: string, id: string) => `/inbox/${encodeURIComponent(email)}/${encodeURIComponent(id)}`,
  account: () => '/account',
  webhooks: () => '/webhooks',
  search: () => '/search',
  chaos: () => '/chaos',
};

export function navigate(href: string, options: { replace?: boolean } = {}): void {
  headingFocusPending = true;
  if (options.replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  window.dispatchEvent(new Event(NAVIGATED));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(location.pathname));
  useEffect(() => {
    const update = () => setRoute(routeOf(location.pathname));
    const onPopState = () => {
      headingFocusPending = true;
      update();
    };
    window.addEventListener('popstate', onPopState);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener('popstate', onPopState);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return route;
}

/** A real link (works with middle-click, copy, open in new tab) that navigates in place on a plain click. */
export function Link({ href, class: className, children }: { href: string; class?: string; children: ComponentChildren }) {
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} class={className} onClick={onClick}>
      {children}
    </a>
  );
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
