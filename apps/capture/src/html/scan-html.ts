// Walks an HTML document once and reports what its readers need: the href of each <a> and <area> (link
// extraction), the visible text between tags and where a block element breaks the text into lines (link
// extraction and the code finder). No tree is built.
//
// htmlparser2's Tokenizer, not its Parser: the Parser keeps an open-element stack with `unshift` and
// `indexOf`, which takes seconds on 200,000 nested <div>s (quadratic); the Tokenizer is a linear state
// machine and is all this needs. htmlparser2 12 is an ES module only: this CommonJS build loads it through
// require(), which Node supports without a flag from 20.19 on (the version the root package.json requires).
import { Tokenizer, type TokenizerCallbacks } from 'htmlparser2';

export interface HtmlVisitor {
  /** The entity-decoded href of an <a> or <area>, as written (not trimmed, not resolved). */
  onHref(href: string): void;
  /** A run of visible text between two tags, entities decoded. */
  onText(text: string): void;
  /** A block element (paragraph, cell, row, <br>...) opened or closed here: what comes next is a new line. */
  onBreak?(): void;
  /** Asked after each report: true stops the scan (the caller has all it wants). */
  isDone(): boolean;
}

const LINK_ELEMENTS = new Set(['a', 'area']);
// Text that is not shown as body text. The Tokenizer reads the content of these as raw text up to their
// closing tag, so remembering the one that is open is exact without an element stack.
const HIDDEN_TEXT_ELEMENTS = new Set(['script', 'style', 'title', 'textarea']);
// Elements that start a new line in a rendering: text on either side of them is not one sentence.
const BLOCK_ELEMENTS = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'center', 'dd', 'div', 'dl', 'dt', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul',
]);

export function scanHtml(html: string, visitor: HtmlVisitor): void {
  let tagName = '';
  let attributeName = '';
  let attributeValue = '';
  let text = '';
  let hiddenUntilClosed: string | null = null;

  const stopIfDone = (): void => {
    if (visitor.isDone()) tokenizer.pause();
  };
  const flushText = (): void => {
    if (text === '') return;
    const run = text;
    text = '';
    visitor.onText(run);
    stopIfDone();
  };

  const breakIfBlock = (name: string): void => {
    if (visitor.onBreak === undefined || !BLOCK_ELEMENTS.has(name)) return;
    visitor.onBreak();
    stopIfDone();
  };

  const endOpenTag = (): void => {
    if (HIDDEN_TEXT_ELEMENTS.has(tagName)) hiddenUntilClosed = tagName;
    tagName = '';
  };

  const callbacks: TokenizerCallbacks = {
    onopentagname(start, endIndex) {
      flushText();
      tagName = html.slice(start, endIndex).toLowerCase();
      if (hiddenUntilClosed === null) breakIfBlock(tagName);
    },
    onattribname(start, endIndex) {
      attributeName = html.slice(start, endIndex).toLowerCase();
      attributeValue = '';
    },
    onattribdata(start, endIndex) {
      attributeValue += html.slice(start, endIndex);
    },
    onattribentity(codepoint) {
      attributeValue += String.fromCodePoint(codepoint);
    },
    onattribend() {
      if (attributeName === 'href' && LINK_ELEMENTS.has(tagName)) {
        visitor.onHref(attributeValue);
        stopIfDone();
      }
      attributeName = '';
      attributeValue = '';
    },
    onopentagend: endOpenTag,
    // `<script/>` still opens raw text in HTML: the Tokenizer ignores the slash on text-only elements.
    onselfclosingtag: endOpenTag,
    onclosetag(start, endIndex) {
      flushText();
      const name = html.slice(start, endIndex).toLowerCase();
      if (name === hiddenUntilClosed) hiddenUntilClosed = null;
      else if (hiddenUntilClosed === null) breakIfBlock(name);
    },
    ontext(start, endIndex) {
      if (hiddenUntilClosed === null) text += html.slice(start, endIndex);
    },
    ontextentity(codepoint) {
      if (hiddenUntilClosed === null) text += String.fromCodePoint(codepoint);
    },
    oncomment: flushText,
    oncdata: flushText,
    ondeclaration: flushText,
    onprocessinginstruction: flushText,
    onend: flushText,
  };

  const tokenizer = new Tokenizer({ decodeEntities: true }, callbacks);
  // One write: the callbacks' indices are then offsets into `html` itself.
  tokenizer.write(html);
  if (tokenizer.running) tokenizer.end();
}
