// Finds a message's one-time codes (sign-up, password reset, 2FA, "Your code is 482913"): what a test
// suite would type into a form. A heuristic, documented in the README ("Codes and links"); the corpus in
// fixtures.ts is what it is held to, marketing noise that must yield nothing included.
//
// 1. Where: the subject, the text part and the HTML's visible text (readable-text.ts). URLs and e-mail
//    addresses are blanked first: a token inside a link belongs to the link (see `links`).
// 2. Candidates: a token of 4-10 characters with no letter or digit glued to it: digits (`482913`), two
//    digit groups (`123-456`, `123 456`), or upper-case letters and digits with at least one of each
//    (`AB12CD`, `K7P-9QX`). Lower-case tokens are hashes and ids, not codes people type.
// 3. Never a code, whatever is near: a token joined by `.` `,` `:` `/` `-` to more digits (dates, times,
//    prices, versions, phone numbers), one of a run of digit groups (`555 123 4567`, `(555) 123-4567`),
//    after `#` `@` `=` `+` or a currency sign, before `%`; a token just after a word that names another
//    number (order, invoice, tracking, phone, account...); any token in a sentence that sells
//    (checkout, promo, coupon, discount, "20% off").
// 4. Near a code word: code, OTP, one-time, passcode, PIN, 2FA/MFA, token, verification, verify, and a
//    few other languages' words (código, codice, kod, Bestätigungscode...), any case. A code word just
//    after promo, coupon, zip, postal, discount... is not one. Near means: in the same sentence, at most
//    WORDS_AFTER_CODE_WORD words after the code word or WORDS_BEFORE_CODE_WORD words before it; or alone
//    on its line with a code word on one of the LABEL_LINES lines above (a label and its value, as HTML
//    mail lays them out in table cells).
// 5. Confidence: a code word before the token beats one after it, closer beats farther, a label above
//    comes next; among equals six digits (the usual form) rank first. A 4-digit year (19xx, 20xx) ranks
//    low and counts only right next to a code word. Each value once (at its best place), best first.
//
// Every step is linear in the text: regular expressions without nested quantifiers, and look-behinds and
// slices of bounded length around each token.
import { readableTexts, type CodeSource, type MessageParts } from './readable-text';

export interface FoundCode {
  /** Exactly as written in the message (`123-456` keeps its dash). */
  value: string;
  source: CodeSource;
}

export const MAX_CODES = 20;
const WORDS_AFTER_CODE_WORD = 8;
const WORDS_BEFORE_CODE_WORD = 5;
const LABEL_LINES = 2;
const MIN_SCORE = 50;
/** How far around a token or a code word its context is read: a few words, never the whole sentence. */
const CONTEXT_CHARS = 48;
const MAX_GAP_CHARS = 240;

const NOT_AFTER_WORD_CHAR = '(?<![\\p{L}\\p{N}_])';
const NOT_BEFORE_WORD_CHAR = '(?![\\p{L}\\p{N}_])';
const wordList = (words: string[], flags = 'giu') => new RegExp(`${NOT_AFTER_WORD_CHAR}(?:${words.join('|')})${NOT_BEFORE_WORD_CHAR}`, flags);

const CODE_WORDS = wordList([
  'codes?', 'one[- ]?time', 'pass ?codes?', 'otp', 'pins?', 'pin-code', '2fa', 'mfa', 'tokens?', 'verification', 'verify',
  'c[oó]digos?', 'codice', 'kod', 'kodu', 'bestätigungscode', 'sicherheitscode', 'verifizierungscode', 'anmeldecode', 'einmalcode',
]);
/** Words that make the code word right after them some other code. */
const CANCELLING_WORDS = wordList([
  'promo', 'promotional', 'coupon', 'discount', 'voucher', 'gift', 'zip', 'postal', 'post', 'area', 'country', 'dial', 'bar', 'qr',
  'referral', 'offer', 'tax', 'sort', 'swift', 'style', 'colou?r', 'product', 'source', 'tracking', 'reference', 'ref', 'dress',
], 'iu');
/** Words that name another kind of number: a token right after one is that number. */
const OTHER_NUMBER_WORDS = wordList([
  'orders?', 'invoice', 'receipt', 'ref', 'reference', 'tracking', 'account', 'acct', 'customer', 'member', 'membership', 'phone',
  'tel', 'telephone', 'call', 'fax', 'mobile', 'sku', 'item', 'model', 'serial', 'ticket', 'case', 'no', 'nr', 'zip', 'postcode',
  'flight', 'room', 'suite', 'apt', 'box', 'unit', 'po',
], 'iu');
const SELLING = /(?<![\p{L}\p{N}_])(?:checkout|promo|promotional|coupon|discount|voucher|sale|shop now)(?![\p{L}\p{N}_])|\d\s?% off/iu;

const CANDIDATE = new RegExp(`${NOT_AFTER_WORD_CHAR}(?:\\d{3,4}[- ]\\d{3,4}|[A-Z0-9]{2,5}-[A-Z0-9]{2,5}|[A-Z0-9]{4,10})${NOT_BEFORE_WORD_CHAR}`, 'gu');
const BLANKED = /(?:https?|mailto|ftp):\S*|(?<!\S)www\.\S*|(?<!\S)[^\s@]*@\S*/giu;
const SENTENCE_END = /(?<=[.!?])\s+/u;
const JOINERS = '.,:/-';
const SIGNS_BEFORE = '#@=+$€£¥₹';
const YEAR = /^(?:19|20)\d\d$/;

interface Scored extends FoundCode {
  score: number;
  order: number;
}

export function findCodes(parts: MessageParts): FoundCode[] {
  const best = new Map<string, Scored>();
  let order = 0;
  for (const { source, text } of readableTexts(parts)) {
    for (const found of scoreText(text.replace(BLANKED, ' '))) {
      const scored = { value: found.value, source, score: found.score, order: order++ };
      const known = best.get(scored.value);
      if (!known || scored.score > known.score) best.set(scored.value, scored);
    }
  }
  return [...best.values()]
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, MAX_CODES)
    .map(({ value, source }) => ({ value, source }));
}

function* scoreText(text: string): Generator<{ value: string; score: number }> {
  /** Whether each of the last lines (nearest last) had a code word: labels above a lone value. */
  const linesAbove: boolean[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const alone = loneValueOf(line);
    let lineHasCodeWord = false;
    for (const sentence of line.split(SENTENCE_END)) {
      const codeWords = codeWordsIn(sentence);
      if (codeWords.length > 0) lineHasCodeWord = true;
      if (SELLING.test(sentence)) continue;
      /** The first code word that ends after the current token: tokens come in order, so it only moves on. */
      let next = 0;
      CANDIDATE.lastIndex = 0;
      for (let match = CANDIDATE.exec(sentence); match !== null; match = CANDIDATE.exec(sentence)) {
        const token = { start: match.index, end: match.index + match[0].length };
        while (next < codeWords.length && codeWords[next].end <= token.start) next++;
        if (!looksLikeCode(match[0]) || isOtherNumber(sentence, token.start, token.end)) continue;
        const nearness = Math.max(
          nearnessInSentence(sentence, token, codeWords[next - 1], codeWords[next]),
          alone === match[0] ? labelNearness(linesAbove) : 0,
        );
        const score = nearness + formBonus(match[0]);
        if (nearness > 0 && score >= MIN_SCORE) yield { value: match[0], score };
      }
    }
    linesAbove.push(lineHasCodeWord);
    if (linesAbove.length > LABEL_LINES) linesAbove.shift();
  }
}

interface Span {
  start: number;
  end: number;
}

function codeWordsIn(sentence: string): Span[] {
  const spans: Span[] = [];
  CODE_WORDS.lastIndex = 0;
  for (let match = CODE_WORDS.exec(sentence); match !== null; match = CODE_WORDS.exec(sentence)) {
    const before = lastWords(sentence, match.index, 2);
    if (!before.some((word) => CANCELLING_WORDS.test(word))) spans.push({ start: match.index, end: match.index + match[0].length });
  }
  return spans;
}

function looksLikeCode(value: string): boolean {
  const hasDigit = /\d/.test(value);
  const hasLetter = /[A-Z]/.test(value);
  if (!hasDigit) return false;
  // `AB-12` forms are codes only with letters: digit groups have their own, stricter form.
  return !value.includes('-') || hasLetter || /^\d{3,4}-\d{3,4}$/.test(value);
}

/** Dates, times, prices, phone numbers, colours, ids: the token is part of something else. */
function isOtherNumber(sentence: string, start: number, end: number): boolean {
  const before = sentence[start - 1] ?? '';
  const after = sentence[end] ?? '';
  const isDigit = (char: string | undefined) => char !== undefined && char >= '0' && char <= '9';
  if (JOINERS.includes(before) && before !== '' && isDigit(sentence[start - 2])) return true;
  if (JOINERS.includes(after) && after !== '' && isDigit(sentence[end + 1])) return true;
  if ((after === '-' || after === '/') && /[\p{L}\p{N}]/u.test(sentence[end + 1] ?? '')) return true;
  const signBefore = before === ' ' ? sentence[start - 2] ?? '' : before;
  if (signBefore !== '' && SIGNS_BEFORE.includes(signBefore)) return true;
  if (after === '%' || (after === ' ' && sentence[end + 1] === '%')) return true;
  if (/^\d/.test(sentence.slice(start, end))) {
    // One group of a phone or card number: more digit groups on either side.
    if ((before === ' ' || before === '-') && (isDigit(sentence[start - 2]) || sentence[start - 2] === ')')) return true;
    if ((after === ' ' || after === '-') && isDigit(sentence[end + 1])) return true;
  }
  return lastWords(sentence, start, 2).some((word) => OTHER_NUMBER_WORDS.test(word));
}

/**
 * The nearest code word before the token in its sentence (the usual "Your code is 482913"), or the nearest
 * after it ("482913 is your code"): a farther one could only score lower.
 */
function nearnessInSentence(sentence: string, token: Span, before: Span | undefined, after: Span | undefined): number {
  let nearness = 0;
  if (before) {
    const gap = wordsBetween(sentence, before.end, token.start);
    if (gap <= WORDS_AFTER_CODE_WORD) nearness = 100 - 4 * gap;
  }
  // The code word after the token must not overlap it (`PIN-Code` around a token cannot happen: it is a word).
  if (after && after.start >= token.end) {
    const gap = wordsBetween(sentence, token.end, after.start);
    if (gap <= WORDS_BEFORE_CODE_WORD) nearness = Math.max(nearness, 85 - 4 * gap);
  }
  return nearness;
}

/** The line's text when it is short enough to be one token alone (quotes, brackets, colons around it dropped). */
function loneValueOf(line: string): string | null {
  const trimmed = line.trim();
  return trimmed.length > 16 ? null : trimmed.replace(/^["'(:[]+|["').:\]]+$/g, '');
}

/** A token alone on its line, with a code word on a line just above: a label and its value. */
function labelNearness(linesAbove: boolean[]): number {
  for (let back = 1; back <= linesAbove.length; back++) {
    if (linesAbove[linesAbove.length - back]) return 90 - 10 * back;
  }
  return 0;
}

function formBonus(value: string): number {
  if (YEAR.test(value)) return -45;
  if (/^\d{6}$/.test(value)) return 8;
  if (/^\d+(?:[- ]\d+)?$/.test(value)) return 4;
  return 0;
}

function wordsBetween(text: string, from: number, to: number): number {
  if (to - from > MAX_GAP_CHARS) return Infinity;
  return text.slice(from, to).split(/[^\p{L}\p{N}]+/u).filter(Boolean).length;
}

function lastWords(text: string, at: number, count: number): string[] {
  return text.slice(Math.max(0, at - CONTEXT_CHARS), at).split(/[^\p{L}\p{N}]+/u).filter(Boolean).slice(-count);
}
