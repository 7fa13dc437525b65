// Sends captured content (raw source, text, HTML, attachments). Captured mail is hostile input: it is
// served with a CSP sandbox and nosniff so that even opened directly it cannot run script in our origin.
import type { Response } from 'express';

export function sendDownloadable(response: Response, contentType: string, body: string | Buffer, download: string | undefined, filename: string): void {
  response.setHeader('Content-Type', contentType);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Content-Security-Policy', "sandbox; default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'");
  if (download === '1') response.setHeader('Content-Disposition', `attachment; filename="${safeFilename(filename)}"`);
  response.send(body);
}

/** ASCII-only, no quotes or path separators: the header must not be breakable by a hostile name. */
function safeFilename(name: string): string {
  return name.replace(/[^A-Za-z0-9._ -]/g, '_').slice(0, 200) || 'download';
}
