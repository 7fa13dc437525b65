// What a reader of a message sees, as lines of plain text the code finder and a caller's pattern search.
// HTML becomes its visible text (no script, style, title, attribute values or comments), a new line at
// every block element; both parts are cut at MAX_READ_CHARS, since one-time codes sit near the top of a
// mail and the searches must stay cheap on a 25 MB message.
import { scanHtml } from '../html';

export const MAX_READ_CHARS = 256 * 1024;

/** The mail's parts a code can be in, in the order they are searched and reported. */
export type CodeSource = 'subject' | 'text' | 'html';

export interface MessageParts {
  subject: string;
  text: string | null;
  html: string | null;
}

export interface ReadableText {
  source: CodeSource;
  text: string;
}

/** The subject, the text part and the HTML's visible text, each present only when the mail has it. */
export function readableTexts(parts: MessageParts): ReadableText[] {
  const texts: ReadableText[] = [{ source: 'subject', text: parts.subject.slice(0, MAX_READ_CHARS) }];
  if (parts.text) texts.push({ source: 'text', text: parts.text.slice(0, MAX_READ_CHARS) });
  if (parts.html) texts.push({ source: 'html', text: visibleTextOf(parts.html) });
  return texts.filter((part) => part.text.trim() !== '');
}

export function visibleTextOf(html: string): string {
  let text = '';
  scanHtml(html, {
    onHref: () => undefined,
    // HTML collapses whitespace: a newline in the source is not a line on the screen.
    onText: (run) => {
      text += run.replace(/\s+/g, ' ');
    },
    onBreak: () => {
      if (text !== '' && !text.endsWith('\n')) text += '\n';
    },
    isDone: () => text.length >= MAX_READ_CHARS,
  });
  return text.slice(0, MAX_READ_CHARS);
}
