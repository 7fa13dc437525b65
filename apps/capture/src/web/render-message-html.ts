// Turns a captured message's HTML into the document the UI shows inside its sandboxed frame. The frame's
// sandbox and CSP (see ui-security-headers.ts) are what keep script and navigation out of the app; this
// rewrite only adds what a header cannot say, and removes what a sandbox does not stop:
//  - `<meta http-equiv=refresh>` navigates the frame itself, which no sandbox flag forbids, so every
//    http-equiv in the document is disarmed. This is done on the raw text, not through a parser, because
//    a parser that disagrees with the browser about where a comment or tag ends (e.g. `<!-->`) could let
//    one through; an attribute name cannot be written with character references, so the text is enough.
//  - `<base target="_blank">` makes links open in a new tab instead of inside the frame.
//  - `cid:` images (inline parts of the same message) become data: URLs the frame may show.
//  - one script of ours, carrying the response's CSP nonce, tells the app the document's height so the
//    frame can be as tall as the mail (the frame's origin is opaque: the app cannot measure it itself).
//    It goes right after our head, before any of the mail, so no markup of the mail can wrap it.
import type { MessageBody } from '../store';

/** An inline image of the message, by its Content-ID (without angle brackets). */
export interface InlineImage {
  contentType: string;
  content: Buffer;
}

export interface RenderOptions {
  /** Content-ID -> image bytes, for the message's `cid:` references. */
  inlineImages?: ReadonlyMap<string, InlineImage>;
  /** The CSP nonce of this response: with it, the height-reporting script is included. */
  scriptNonce?: string;
}

/**
 * Posts `{ captureboxFrameHeight }` to the app whenever the document's height changes. The message names
 * no origin: it says only a height, and the app takes it only from its own frame (message-frame.tsx).
 */
const REPORT_HEIGHT_SCRIPT =
  // Standards mode: the root element is as tall as the content. Quirks mode (mail without a doctype)
  // stretches body and root to the frame, so there it is the content's extent plus the bottom margin
  // (the larger of the body's and its last child's, as they collapse).
  '(function(){var last=-1;function send(){var b=document.body,d=document.documentElement,h;if(!b)return;' +
  'if(document.compatMode==="CSS1Compat")h=d.getBoundingClientRect().height;else{var r=document.createRange();r.selectNodeContents(b);' +
  'var s=getComputedStyle(b),c=b.lastElementChild?parseFloat(getComputedStyle(b.lastElementChild).marginBottom||"0"):0;' +
  'h=r.getBoundingClientRect().bottom+scrollY+parseFloat(s.paddingBottom||"0")+Math.max(c,parseFloat(s.marginBottom||"0"))}h=Math.ceil(h);' +
  'if(h!==last){last=h;parent.postMessage({captureboxFrameHeight:h},"*")}}' +
  'document.addEventListener("DOMContentLoaded",function(){send();var o=new ResizeObserver(send);o.observe(document.documentElement);o.observe(document.body)});' +
  'addEventListener("load",send)})();';

const HEAD_PREFIX = '<meta charset="utf-8"><meta name="referrer" content="no-referrer"><base target="_blank">';
/** A doctype is only honoured at the very start (after whitespace or comments); our head goes after it. */
const LEADING_DOCTYPE = /^(?:\s|<!--[\s\S]*?-->)*<!doctype[^>]*>/i;
/** U+2011 NON-BREAKING HYPHEN: looks like "-" in text, but "http&#8209;equiv" is no attribute anyone knows. */
const DISARMED_HTTP_EQUIV = (match: string) => `${match.slice(0, 4)}&#8209;${match.slice(5)}`;
const CID_REFERENCE = /\bcid:([^\s"'<>()\\]+)/gi;
/** Only real image types become data: URLs (never text/html or image/svg+xml's script-capable cousins). */
const SAFE_IMAGE_TYPE = /^image\/(png|gif|jpeg|jpg|pjpeg|webp|avif|bmp|x-icon|vnd\.microsoft\.icon)$/i;

/** The HTML part as a standalone document for the sandboxed frame; the text part in a <pre> when there is no HTML. */
export function renderMessageDocument(body: Pick<MessageBody, 'html' | 'text'>, options: RenderOptions = {}): string {
  const head = HEAD_PREFIX + (options.scriptNonce ? `<script nonce="${options.scriptNonce}">${REPORT_HEIGHT_SCRIPT}</script>` : '');
  if (body.html === null) return textDocument(body.text ?? '', head);
  let html = body.html.replace(/http-equiv/gi, DISARMED_HTTP_EQUIV);
  if (options.inlineImages && options.inlineImages.size > 0) html = inlineCidImages(html, options.inlineImages);
  const doctype = LEADING_DOCTYPE.exec(html);
  const at = doctype ? doctype[0].length : 0;
  return `${html.slice(0, at)}${head}${html.slice(at)}`;
}

/** True for the content types that may be inlined as a data: image (mail stored before parse-mail
 * coerced empty types may hold a non-string here). */
export function isSafeInlineImageType(contentType: unknown): contentType is string {
  return typeof contentType === 'string' && SAFE_IMAGE_TYPE.test(contentType.split(';')[0].trim());
}

function inlineCidImages(html: string, images: ReadonlyMap<string, InlineImage>): string {
  return html.replace(CID_REFERENCE, (reference, rawId: string) => {
    const image = images.get(decodeContentId(rawId));
    if (!image || !isSafeInlineImageType(image.contentType)) return reference;
    return `data:${image.contentType.split(';')[0].trim().toLowerCase()};base64,${image.content.toString('base64')}`;
  });
}

function decodeContentId(rawId: string): string {
  try {
    return decodeURIComponent(rawId);
  } catch {
    return rawId;
  }
}

function textDocument(text: string, head: string): string {
  return (
    `<!doctype html><html><head>${head}` +
    '<style>body{margin:0;padding:12px;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}' +
    'pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}</style></head>' +
    `<body><pre>${escapeHtml(text)}</pre></body></html>`
  );
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
