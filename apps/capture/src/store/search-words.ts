// What full-text search calls a word, in one place: the query parser splits terms with it, MongoDB stores
// each message's words with it, and SQLite's FTS5 `unicode61` tokenizer (remove_diacritics 2) splits
// stored text the same way: runs of letters and digits, lower-cased, accents removed.

/** Runs of letters and digits; everything else separates words. */
const WORD = /[\p{L}\p{N}]+/gu;
const COMBINING_MARKS = /\p{M}/gu;

/** The words of a text in order, lower-cased and without accents ("Café-Crème" -> ["cafe", "creme"]). */
export function wordsOf(text: string): string[] {
  return text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase().match(WORD) ?? [];
}
