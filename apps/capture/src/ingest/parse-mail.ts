// Stage "parse": raw RFC 5322 source in, the parsed fields of a CapturedMail out. Never throws: the raw
// source is the truth and is stored whatever happens here, so bad input only makes the parsed view poorer.
import { createHash } from 'node:crypto';
import { parseAddressHeader, simpleParser } from 'mailparser';
import type {
  AddressObject,
  Attachment,
  EmailAddress,
  ParsedMail as MailparserMail,
  SimpleParserOptions,
} from 'mailparser';
import type { AttachmentContent, CapturedMail, MailAddress } from '../domain';
import { decodeEncodedWords, headerFieldText, readHeaderLines, splitHeaderBlock } from './header-lines';

/** What parsing makes of a source: the parsed part of a CapturedMail (links are extracted later). */
export type ParsedMail = Pick<
  CapturedMail,
  'from' | 'to' | 'cc' | 'subject' | 'messageId' | 'headers' | 'text' | 'html' | 'attachments' | 'parseError'
>;

// Capturebox stores what was sent and derives nothing for display here: the text-to-HTML and HTML-to-text
// conversions and cid: inlining cost most of mailparser's time (measured: ~11 MB/s with the defaults,
// ~144 MB/s with these) and their output is not part of the message model.
// postal-mime 4.0.0 parses in about half the CPU at 1-20 KB and 85% at 200 KB, but is not a drop-in:
// scripts/compare-mime-parsers.cjs (2026-12-01) found 10 of 29 corpus sources differing, in stored bytes
// (it keeps the line break before a boundary, adds one where the source has none, so text, html and an
// attached message's md5 change) and in limits (no per-part header size or part count: parseError is lost).
const PARSER_OPTIONS: SimpleParserOptions = {
  skipTextToHtml: true,
  skipHtmlToText: true,
  skipTextLinks: true,
  skipImageLinks: true,
};

const REPLACEMENT_CHARACTER = '\uFFFD';
const MD5_HEX = /^[0-9a-f]{32}$/;

/**
 * Parses a raw source. When mailparser refuses it outright (its limits: a header block over 1 MB, more than
 * 1000 MIME parts), the headers are still read directly from the source and `parseError` says why the body
 * was not parsed. Anything mailparser copes with (garbage, broken boundaries, no headers) is not an error.
 */
export async function parseMail(raw: Buffer): Promise<ParsedMail> {
  let parsed: MailparserMail;
  try {
    parsed = await simpleParser(raw, PARSER_OPTIONS);
  } catch (error) {
    return parseHeadersOnly(raw, describeError(error));
  }
  try {
    return fromMailparser(parsed);
  } catch (error) {
    // Only a mailparser result of an unexpected shape gets here; keep the promise of never throwing.
    return parseHeadersOnly(raw, describeError(error));
  }
}

function fromMailparser(parsed: MailparserMail): ParsedMail {
  const headers = readHeaderLines(parsed.headerLines);
  return {
    from: flattenAddresses(parsed.from),
    to: flattenAddresses(parsed.to),
    cc: flattenAddresses(parsed.cc),
    subject: repairSubject(parsed.subject ?? '', headers),
    messageId: parsed.messageId ?? null,
    headers,
    text: parsed.text ?? null,
    // mailparser says `false` (or leaves it unset) when there is no HTML part.
    html: typeof parsed.html === 'string' ? parsed.html : null,
    attachments: parsed.attachments.map(toAttachmentContent),
    parseError: null,
  };
}

/**
 * mailparser reads raw 8-bit header bytes as UTF-8, so a legacy sender's Latin-1 subject comes out with
 * replacement characters. The header list reads such bytes as windows-1252 instead; prefer that reading
 * when it is the one without replacement characters.
 */
function repairSubject(subject: string, headers: ParsedMail['headers']): string {
  if (!subject.includes(REPLACEMENT_CHARACTER)) return subject;
  const fromHeaders = headers.find((header) => header.key === 'subject')?.value;
  return fromHeaders !== undefined && !fromHeaders.includes(REPLACEMENT_CHARACTER) ? fromHeaders : subject;
}

/** Groups are replaced by their members; entries with neither address nor name carry nothing. */
function flattenAddresses(header: AddressObject | AddressObject[] | undefined): MailAddress[] {
  if (header === undefined) return [];
  const objects = Array.isArray(header) ? header : [header];
  const addresses: MailAddress[] = [];
  const visit = (entries: EmailAddress[]): void => {
    for (const entry of entries) {
      if (entry.group !== undefined) {
        visit(entry.group);
        continue;
      }
      const address = entry.address ?? '';
      const name = entry.name ?? '';
      if (address !== '' || name !== '') addresses.push({ address, name });
    }
  };
  for (const object of objects) visit(object.value);
  return addresses;
}

function toAttachmentContent(attachment: Attachment): AttachmentContent {
  const content = attachment.content;
  // mailparser hashes while decoding (md5 by default); hash here only if it did not.
  const md5 = MD5_HEX.test(attachment.checksum ?? '')
    ? attachment.checksum
    : createHash('md5').update(content).digest('hex');
  return {
    md5,
    filename: attachment.filename ?? null,
    // mailparser gives `false` for an empty value (`Content-Type: ;;;`); a part with no type is octets.
    contentType: typeof attachment.contentType === 'string' && attachment.contentType !== '' ? attachment.contentType : 'application/octet-stream',
    size: content.length,
    contentId: stripAngleBrackets(attachment.contentId),
    disposition: attachment.contentDisposition ?? null,
    content,
  };
}

/** Content-ID is `<id>` on the wire but `cid:id` in HTML; the bare id is the one people match against. */
function stripAngleBrackets(contentId: string | undefined): string | null {
  if (contentId === undefined) return null;
  const bare = contentId.trim().replace(/^<|>$/g, '');
  return bare === '' ? null : bare;
}

/** The fallback when mailparser refused the source: what its header block says, and no body. */
function parseHeadersOnly(raw: Buffer, parseError: string): ParsedMail {
  try {
    const lines = splitHeaderBlock(raw);
    const headers = readHeaderLines(lines);
    const fieldTexts = (key: string): string[] =>
      lines.filter((line) => line.key === key).map((line) => headerFieldText(line.line));
    const addresses = (key: string): MailAddress[] =>
      flattenAddresses(parseAddressHeader(fieldTexts(key), { flatten: true }));
    const first = (key: string): string | undefined => fieldTexts(key)[0];
    return {
      from: addresses('from'),
      to: addresses('to'),
      cc: addresses('cc'),
      subject: decodeEncodedWords(first('subject') ?? ''),
      messageId: first('message-id') ?? null,
      headers,
      text: null,
      html: null,
      attachments: [],
      parseError,
    };
  } catch (error) {
    return {
      from: [],
      to: [],
      cc: [],
      subject: '',
      messageId: null,
      headers: [],
      text: null,
      html: null,
      attachments: [],
      parseError: `${parseError}; reading the headers failed too: ${describeError(error)}`,
    };
  }
}

/** mailparser's errors carry a code (`EMAXLEN`) that names the limit more precisely than the message. */
function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return typeof code === 'string' && code !== '' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
