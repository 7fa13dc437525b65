// The headers of everything the web UI serves. The app's own pages run only our bundled script; captured
// HTML is shown only in a sandboxed frame whose document may run nothing and load nothing but inline
// styles and data: images (plus remote images once the reader asks for them).
import type { Response } from 'express';

export const APP_PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The CSP of a rendered captured message. `sandbox` without allow-scripts: no script runs, whatever the markup. */
export function renderedMessageCsp(remoteImages: boolean): string {
  return [
    'sandbox allow-popups allow-popups-to-escape-sandbox',
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `img-src data: cid:${remoteImages ? ' http: https:' : ''}`,
    "base-uri 'none'",
    "form-action 'none'",
    // Only the app itself may frame captured mail.
    "frame-ancestors 'self'",
  ].join('; ');
}

export function setAppPageHeaders(response: Response): void {
  response.setHeader('Content-Security-Policy', APP_PAGE_CSP);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'same-origin');
  response.setHeader('X-Frame-Options', 'DENY');
}

export function setRenderedMessageHeaders(response: Response, remoteImages: boolean): void {
  response.setHeader('Content-Type', 'text/html; charset=utf-8');
  response.setHeader('Content-Security-Policy', renderedMessageCsp(remoteImages));
  response.setHeader('X-Content-Type-Options', 'nosniff');
  // Links and remote images in captured mail must not tell third parties which inbox was being read.
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('Cache-Control', 'no-store');
}
