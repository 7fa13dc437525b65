// One linear walk over an HTML document (htmlparser2's Tokenizer): link hrefs, visible text, line breaks.
export { scanHtml, type HtmlVisitor } from './scan-html';
