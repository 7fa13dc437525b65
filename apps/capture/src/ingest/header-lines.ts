// Turns raw header lines (as mailparser's `headerLines` gives them, or as `splitHeaderBlock` reads them when
// mailparser gave up) into the readable `HeaderLine` list the API shows.
import { TextDecoder } from 'node:util';
import type { HeaderLine } from '../domain';
import { decodeCharset, decodeWindows1252 } from './decode-charset';

/**
 * One physical header field as read from the source: lower-case name and the whole line, `Name:` prefix and
 * folding included. The line is a "binary" string: each char is one source byte (that is what mailparser
 * hands out, and `splitHeaderBlock` produces the same so both paths share one decoder).
 */
export interface RawHeaderLine {
  key: string;
  line: string;
}

/** RFC 5322 field names are printable ASCII without the colon; anything else is not a header field. */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

/**
 * The readable header list: lines whose name is not a valid field name (body text without a header block,
 * binary garbage, mailparser's empty placeholder line) are left out; the raw source keeps them anyway.
 */
export function readHeaderLines(lines: ReadonlyArray<RawHeaderLine>): HeaderLine[] {
  const headers: HeaderLine[] = [];
  for (const { key, line } of lines) {
    if (!FIELD_NAME.test(key)) continue;
    headers.push({ key, name: line.slice(0, line.indexOf(':')).trim(), value: decodeEncodedWords(headerFieldText(line)) });
  }
  return headers;
}

/**
 * The text after the colon, unfolded and with raw 8-bit bytes read as characters, but with RFC 2047 encoded
 * words still encoded: address parsers need them that way, because a decoded display name may contain the
 * commas and angle brackets that structure the header.
 */
export function headerFieldText(line: string): string {
  const colon = line.indexOf(':');
  const value = colon === -1 ? '' : line.slice(colon + 1);
  // Unfolding (RFC 5322 2.2.3) removes the line breaks and keeps the whitespace that follows them.
  return readEightBitText(value.replace(/\r\n|\r|\n/g, '')).trim();
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Raw bytes in a header are UTF-8 when the sender used SMTPUTF8 / RFC 6532; when they are not valid UTF-8,
 * they come from an old sender writing its local charset, and windows-1252 (a superset of ISO-8859-1's
 * printable range, and what browsers assume) is the best guess that never fails.
 */
function readEightBitText(binary: string): string {
  if (!/[\x80-\xff]/.test(binary)) return binary;
  const bytes = Buffer.from(binary, 'latin1');
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return decodeWindows1252(bytes);
  }
}

// `=?charset?B|Q?text?=`. The character classes stop at '?', so a scan never runs past the next '?' and
// a pathological value costs linear time.
const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?]*)\?=/g;
const ONLY_WHITESPACE = /^[ \t\r\n]*$/;

interface PendingWords {
  charset: string;
  bytes: Buffer[];
  /** The source text of the run, written back unchanged when the charset is unknown. */
  source: string;
}

/**
 * Decodes RFC 2047 encoded words. Adjacent words of one charset are joined before decoding, because
 * encoders split multi-byte characters across words; whitespace between encoded words is dropped (RFC 2047
 * 6.2). A word in a charset this runtime cannot decode (UTF-7, say) is left as written, so nothing is lost.
 */
export function decodeEncodedWords(text: string): string {
  if (!text.includes('=?')) return text;
  let decoded = '';
  let pending: PendingWords | null = null;
  let position = 0;
  for (const match of text.matchAll(ENCODED_WORD)) {
    const [word, charsetLabel, encoding, payload] = match;
    const start = match.index ?? 0;
    const gap = text.slice(position, start);
    // RFC 2231 lets a language ride on the charset: `UTF-8*en`.
    const charset = charsetLabel.split('*')[0].toLowerCase();
    const bytes = encoding.toUpperCase() === 'B' ? Buffer.from(payload, 'base64') : decodeQuotedPrintableWord(payload);
    const betweenWords = pending !== null && ONLY_WHITESPACE.test(gap);
    if (pending !== null && betweenWords && pending.charset === charset) {
      pending.bytes.push(bytes);
      pending.source += gap + word;
    } else {
      decoded += decodeWords(pending) + (betweenWords ? '' : gap);
      pending = { charset, bytes: [bytes], source: word };
    }
    position = start + word.length;
  }
  return decoded + decodeWords(pending) + text.slice(position);
}

function decodeWords(words: PendingWords | null): string {
  if (words === null) return '';
  return decodeCharset(Buffer.concat(words.bytes), words.charset) ?? words.source;
}

/** The "Q" encoding: quoted-printable where '_' stands for a space. */
function decodeQuotedPrintableWord(payload: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < payload.length; i++) {
    const code = payload.charCodeAt(i);
    if (code === 0x5f) {
      bytes.push(0x20);
    } else if (code === 0x3d && /^[0-9A-Fa-f]{2}$/.test(payload.slice(i + 1, i + 3))) {
      bytes.push(parseInt(payload.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (code < 0x80) {
      bytes.push(code);
    } else {
      // Not allowed in an encoded word, but raw text may have put it there: keep the character.
      bytes.push(...Buffer.from(payload[i], 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/**
 * Reads the header block of a source that mailparser refused, in the same shape as mailparser's
 * `headerLines`, so that a refused message still shows its headers, sender and subject.
 */
export function splitHeaderBlock(raw: Buffer): RawHeaderLine[] {
  const source = raw.toString('latin1');
  // A source that starts with an empty line has no header block at all.
  if (/^\r?\n/.test(source)) return [];
  const blankLine = source.search(/\r?\n\r?\n/);
  const block = blankLine === -1 ? source : source.slice(0, blankLine);
  const lines: RawHeaderLine[] = [];
  for (const physical of block.split(/\r?\n/)) {
    const previous = lines[lines.length - 1];
    if (previous !== undefined && /^[ \t]/.test(physical)) {
      previous.line += '\r\n' + physical;
      continue;
    }
    const colon = physical.indexOf(':');
    lines.push({ key: colon === -1 ? '' : physical.slice(0, colon).trim().toLowerCase(), line: physical });
  }
  return lines;
}
