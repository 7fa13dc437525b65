// The status of each link of a message, on request: HEAD, then GET when HEAD is refused (many servers answer
// HEAD 404/405 for a page that GET serves), following redirects by hand so that each hop's host is checked
// against the allowlist (CAPTUREBOX_LINK_CHECK_HOSTS, subdomains included: nothing else is ever requested, so a
// captured message cannot make the appliance probe its network), a loop is seen as one, and one deadline
// covers a link's whole chain. Nothing of a link but its host is logged: paths and query strings carry tokens.
import { DomainList } from '../domain';

export type LinkResult = 'ok' | 'broken' | 'failed' | 'not_allowed';

export interface LinkStatus {
  url: string;
  /** ok: the last answer was 2xx (or a 3xx without Location); broken: 4xx/5xx; failed: see `error`. */
  result: LinkResult;
  /** The last HTTP status answered; null when none was. */
  status: number | null;
  redirects: number;
  /** Where the redirects led, when they did. */
  finalUrl: string | null;
  error: 'timeout' | 'unreachable' | 'redirect_loop' | 'too_many_redirects' | 'not_http' | null;
}

export interface LinkCheckOptions {
  allowedHosts: DomainList;
  /** For one link, every hop and both methods together. */
  timeoutMs: number;
  /** Called once per link with what may be logged: its host and result. */
  onChecked?: (host: string, status: LinkStatus) => void;
}

/** Redirects followed per link; one more is `too_many_redirects`. */
export const MAX_REDIRECTS = 5;
/** Links requested at once, per check. */
export const LINK_CONCURRENCY = 4;

export async function checkLinks(links: readonly string[], options: LinkCheckOptions): Promise<LinkStatus[]> {
  const results: LinkStatus[] = new Array(links.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < links.length) {
      const index = next++;
      const url = links[index] as string;
      results[index] = await checkLink(url, options);
      options.onChecked?.(hostOf(url), results[index] as LinkStatus);
    }
  }
  await Promise.all(Array.from({ length: Math.min(LINK_CONCURRENCY, links.length) }, worker));
  return results;
}

async function checkLink(url: string, options: LinkCheckOptions): Promise<LinkStatus> {
  const status = (fields: Partial<LinkStatus>): LinkStatus => ({ url, result: 'failed', status: null, redirects: 0, finalUrl: null, error: null, ...fields });
  const signal = AbortSignal.timeout(options.timeoutMs);
  const seen = new Set<string>();
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    return status({ error: 'not_http' });
  }
  for (let redirects = 0; ; redirects++) {
    const finalUrl = redirects > 0 ? current.href : null;
    if (current.protocol !== 'http:' && current.protocol !== 'https:') return status({ redirects, finalUrl, error: 'not_http' });
    if (!options.allowedHosts.match(current.hostname.replace(/^\[|\]$/g, ''))) return status({ result: 'not_allowed', redirects, finalUrl });
    if (seen.has(current.href)) return status({ redirects, finalUrl, error: 'redirect_loop' });
    if (redirects > MAX_REDIRECTS) return status({ redirects: redirects - 1, finalUrl, error: 'too_many_redirects' });
    seen.add(current.href);
    let answer: number;
    let location: string | null;
    try {
      ({ answer, location } = await request(current, signal));
    } catch {
      return status({ redirects, finalUrl, error: signal.aborted ? 'timeout' : 'unreachable' });
    }
    if (answer >= 300 && answer < 400 && location !== null) {
      try {
        current = new URL(location, current);
      } catch {
        return status({ status: answer, redirects, finalUrl, error: 'not_http' });
      }
      continue;
    }
    return status({ result: answer < 400 ? 'ok' : 'broken', status: answer, redirects, finalUrl });
  }
}

/** HEAD, then GET when HEAD is answered 4xx/5xx; the body of neither is read. */
async function request(url: URL, signal: AbortSignal): Promise<{ answer: number; location: string | null }> {
  let response = await fetch(url, { method: 'HEAD', redirect: 'manual', signal, headers: { 'user-agent': 'Capturebox link check' } });
  if (response.status >= 400) {
    await response.body?.cancel();
    response = await fetch(url, { method: 'GET', redirect: 'manual', signal, headers: { 'user-agent': 'Capturebox link check' } });
  }
  await response.body?.cancel();
  return { answer: response.status, location: response.headers.get('location') };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(not a URL)';
  }
}
