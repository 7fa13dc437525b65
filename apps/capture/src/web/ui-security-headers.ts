// The headers of everything the web UI serves. The app's own pages run only our bundled script; captured
// HTML is shown only in a sandboxed frame whose document may run nothing but our height report and load
// nothing but inline styles and data: images (plus remote images once the reader asks for them).
import { randomBytes } from 'node:crypto';
import type { Response } from 'express';

export const APP_PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  // blob: for image attachments' thumbnails, fetched with the key and shown under their own image type.
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The CSP of a rendered captured message. The sandbox gives the document an opaque origin (no
 * allow-same-origin): even a script could not reach the app, its cookie or its storage. Scripts are
 * allowed by the sandbox only so that our own height report runs: script-src admits nothing but this
 * response's nonce, so no script, handler or javascript: URL of the mail runs.
 */
export function renderedMessageCsp(remoteImages: boolean, scriptNonce: string): string {
  return [
    'sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox',
    "default-src 'none'",
    `script-src 'nonce-${scriptNonce}'`,
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

/** Sets the headers of a rendered message; returns the nonce its own script must carry. */
export function setRenderedMessageHeaders(response: Response, remoteImages: boolean): string {
  const scriptNonce = randomBytes(18).toString('base64');
  response.setHeader('Content-Type', 'text/html; charset=utf-8');
  response.setHeader('Content-Security-Policy', renderedMessageCsp(remoteImages, scriptNonce));
  response.setHeader('X-Content-Type-Options', 'nosniff');
  // Links and remote images in captured mail must not tell third parties which inbox was being read.
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('Cache-Control', 'no-store');
  return scriptNonce;
}
