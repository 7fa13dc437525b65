// Stage "extract links": Mailsac's `links`, the URLs a reader of the message could click. Test suites use
// it to find verification and reset links, so it favours links as written over guesses.
//
// What counts as a link:
// - only http:, https: and mailto: URLs. `javascript:`, `data:`, `cid:`, `tel:`, relative and
//   protocol-relative hrefs are left out: they are not addresses a test can follow, and some are hostile;
// - in the text part and in the HTML's visible text (not script/style/title): URLs written with their
//   scheme, found by linkify-it. Bare domains (`example.com`, `www.example.com`) and bare e-mail addresses
//   are not taken: every signature and footer has them and they are not fully qualified URLs;
// - in the HTML: the href of <a> and <area>. <img src> and other resource URLs are not links: nobody clicks
//   them, and tracking pixels would crowd out the links people look for;
// - each URL exactly as written (after the whitespace and control characters browsers ignore in an href),
//   de-duplicated by exact string, in first-seen order: the text part first, then the HTML in document order.
//
// Bounded work: at most MAX_LINKS links, none longer than MAX_LINK_LENGTH. linkify-it is quadratic on some
// long runs without whitespace (1 MB of `mailto:mailto:...` takes over a minute), so only whitespace-free
// runs short enough to be one link are searched: a URL never contains whitespace, and a longer run is an
// encoded blob, not text.
import LinkifyIt from 'linkify-it';
import { scanHtml } from '../html';

export const MAX_LINKS = 1000;
export const MAX_LINK_LENGTH = 4096;

const LINK_SCHEMES = new Set(['http:', 'https:', 'mailto:']);
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*:)/;
// Where a link may be: only the whitespace-free runs around these are given to linkify. Found by one native
// scan of the text rather than by visiting every word (that was ~10% of the ingest time of HTML mail).
const SCHEME_HINT = /(?:https?|mailto):/gi;

// Only links written with a scheme (see above), and only the schemes that count.
const linkify = new LinkifyIt({}, { fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false })
  .add('ftp:', null)
  .add('//', null);

export function extractLinks(text: string | null, html: string | null): string[] {
  const links = new LinkList();
  if (text) collectFromText(text, links);
  if (html && !links.isFull()) {
    scanHtml(html, {
      onHref: (href) => links.add(cleanHref(href)),
      onText: (run) => collectFromText(run, links),
      isDone: () => links.isFull(),
    });
  }
  return links.toArray();
}

/** First-seen order, no duplicates, bounded, and only URLs that count as links. */
class LinkList {
  private readonly links = new Set<string>();
  /** Runs of text already given to linkify: newsletters repeat the same link many times. */
  readonly searchedRuns = new Set<string>();

  isFull(): boolean {
    return this.links.size >= MAX_LINKS;
  }

  add(url: string): void {
    if (this.isFull() || url.length > MAX_LINK_LENGTH) return;
    const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
    if (scheme === undefined || !LINK_SCHEMES.has(scheme) || !URL.canParse(url)) return;
    this.links.add(url);
  }

  toArray(): string[] {
    return [...this.links];
  }
}

function collectFromText(text: string, links: LinkList): void {
  SCHEME_HINT.lastIndex = 0;
  /** Where the last run searched ended: runs never overlap, so the whole text is walked at most once. */
  let searchedUpTo = 0;
  for (let hint = SCHEME_HINT.exec(text); hint !== null; hint = SCHEME_HINT.exec(text)) {
    if (links.isFull()) return;
    // The whitespace-free run (as /\S+/ would match it) that holds this hint.
    let start = hint.index;
    while (start > searchedUpTo && !isWhitespace(text, start - 1)) start--;
    let end = SCHEME_HINT.lastIndex;
    while (end < text.length && !isWhitespace(text, end)) end++;
    searchedUpTo = end;
    SCHEME_HINT.lastIndex = end;
    if (end - start > MAX_LINK_LENGTH) continue;
    const candidate = text.slice(start, end);
    if (links.searchedRuns.has(candidate)) continue;
    links.searchedRuns.add(candidate);
    for (const match of linkify.match(candidate) ?? []) links.add(match.url);
  }
}

const ONE_WHITESPACE = /\s/;

/** Whether the character at `index` is whitespace as /\s/ means it (ASCII first, without a regex). */
function isWhitespace(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code < 0x80) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return ONE_WHITESPACE.test(text[index]);
}

/**
 * What a browser would follow: it drops ASCII tabs and newlines anywhere in a URL and C0 controls and spaces
 * around it (WHATWG URL), so `java&#10;script:` is `javascript:` and must not slip past the scheme check.
 */
function cleanHref(href: string): string {
  const url = href.replace(/[\t\n\r]/g, '');
  // Index loops rather than /^[\x00-\x20]+|[\x00-\x20]+$/: that regex backtracks quadratically on long runs of
  // spaces followed by something else.
  let start = 0;
  let end = url.length;
  while (start < end && url.charCodeAt(start) <= 0x20) start++;
  while (end > start && url.charCodeAt(end - 1) <= 0x20) end--;
  return url.slice(start, end);
}
