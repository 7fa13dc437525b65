// Text and HTML renderings of a message body for the body routes.
import { convert } from 'html-to-text';
import type Sanitize from 'sanitize-html';
import { loadOnFirstUse } from '../load-on-first-use';
import type { MessageBody } from '../store';

// With PostCSS, about 2 MB once loaded, for the sanitized HTML view only.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy require is the point
const sanitizer = loadOnFirstUse(() => require('sanitize-html') as typeof Sanitize);

/** The text part, or (as Mailsac does) a plain rendering of the HTML when the mail had only HTML. */
export function plainTextOf(body: MessageBody): string {
  if (body.text !== null) return body.text;
  if (body.html !== null) return convert(body.html, { wordwrap: false });
  return '';
}

/** The HTML part, or the text part escaped into HTML when the mail had no HTML. */
export function htmlOrTextAsHtml(body: MessageBody): string {
  if (body.html !== null) return body.html;
  return `<pre>${escapeHtml(body.text ?? '')}</pre>`;
}

/** Scripts, event handlers, forms, frames and javascript: URLs removed; layout and images kept. */
export function sanitizeHtml(html: string): string {
  const sanitize = sanitizer();
  return sanitize(html, {
    allowedTags: [...sanitize.defaults.allowedTags, 'img', 'center', 'font', 'span', 'div'],
    allowedAttributes: {
      ...sanitize.defaults.allowedAttributes,
      '*': ['style', 'align', 'valign', 'width', 'height', 'bgcolor', 'color', 'border', 'cellpadding', 'cellspacing', 'dir', 'lang', 'title'],
      img: ['src', 'alt', 'width', 'height'],
      font: ['face', 'size', 'color'],
    },
    allowedSchemes: ['http', 'https', 'mailto', 'cid', 'data'],
    allowedSchemesByTag: { img: ['http', 'https', 'cid', 'data'] },
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
