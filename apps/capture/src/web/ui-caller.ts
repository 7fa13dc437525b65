// Who is asking, for the web UI's own routes. The API key comes, in this order, from the `Mailsac-Key`
// header, the `_mailsacKey` query (both as on the API, for scripts and curl) or the UI session cookie,
// which the browser sends by itself with the sandboxed message frame and the EventSource, so the key never
// has to appear in a URL that captured mail could leak through a Referer.
import { UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { presentedApiKey, type Account, type AccountsService } from '../accounts';

export const UI_SESSION_COOKIE = 'cbx_ui_key';
/** The cookie is only ever sent to the UI's own routes, never to /api or to the static pages. */
const COOKIE_PATH = '/ui/';

/** The value of one cookie from the Cookie header (no cookie-parser middleware in this app). */
export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator < 0) continue;
    if (pair.slice(0, separator).trim() !== name) continue;
    try {
      return decodeURIComponent(pair.slice(separator + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The caller's account, or null when anonymous. A key presented explicitly must be valid (401, as on the
 * API; the app's global CallerGuard already refuses it). A stale session cookie (key revoked) counts as
 * anonymous: the UI checks its key with /api/me on start and asks to sign in again.
 */
export async function resolveUiAccount(request: Request, accounts: AccountsService): Promise<Account | null> {
  const explicit = presentedApiKey(request);
  if (explicit !== undefined) {
    const account = await accounts.findByApiKey(explicit);
    if (!account) throw new UnauthorizedException('Unknown API key.');
    return account;
  }
  const cookie = readCookie(request, UI_SESSION_COOKIE);
  return cookie ? accounts.findByApiKey(cookie) : null;
}

/**
 * HttpOnly (page scripts never read it back), SameSite=Strict (never sent on requests another site
 * starts, nor by the sandboxed frame's own opaque origin), scoped to /ui/, Secure when served over TLS.
 * A browser-session cookie: it goes when the browser closes.
 */
export function setUiSessionCookie(response: Response, apiKey: string, secure: boolean): void {
  const attributes = [`Path=${COOKIE_PATH}`, 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])];
  response.setHeader('Set-Cookie', `${UI_SESSION_COOKIE}=${encodeURIComponent(apiKey)}; ${attributes.join('; ')}`);
}

export function clearUiSessionCookie(response: Response, secure: boolean): void {
  const attributes = [`Path=${COOKIE_PATH}`, 'HttpOnly', 'SameSite=Strict', 'Max-Age=0', ...(secure ? ['Secure'] : [])];
  response.setHeader('Set-Cookie', `${UI_SESSION_COOKIE}=; ${attributes.join('; ')}`);
}
