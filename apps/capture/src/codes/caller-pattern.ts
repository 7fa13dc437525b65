// A caller's own pattern (`?pattern=`), for codes the heuristic of find-codes.ts does not know. It is a
// JavaScript regular expression from anyone who can reach the API, so its cost is bounded three ways:
// the pattern is at most MAX_PATTERN_LENGTH characters, it searches the same bounded texts as the finder
// (readable-text.ts), and the whole search runs in a separate V8 context with a PATTERN_TIMEOUT_MS
// deadline: V8 interrupts a backtracking regular expression there (`(a+)+$` on a long run of `a`s is
// stopped, measured at the deadline to the millisecond), and the caller gets a 400.
// A linear-time engine was measured and not taken: re2js (pure JavaScript RE2) needed 7.9 s for
// `(?i)(?:[a-z0-9]{1,1000}){1}Q` on 256 KiB, and native RE2 bindings need a native build.
import { Script, createContext } from 'node:vm';
import { readableTexts, type MessageParts } from './readable-text';
import type { FoundCode } from './find-codes';

export const MAX_PATTERN_LENGTH = 200;
export const PATTERN_TIMEOUT_MS = 100;
export const MAX_PATTERN_MATCHES = 100;
/** The flags a caller may add (`g` is always on; `y` and `d` would change what a match is). */
export const PATTERN_FLAGS = /^(?!.*(.).*\1)[imsu]*$/;

export interface CallerPattern {
  source: string;
  flags: string;
}

/** The caller's pattern is not one we run: bad syntax, too long, or it ran out of time. */
export class PatternRejected extends Error {
  readonly failure = 'bad_request';
  override name = 'PatternRejected';
}

/** Throws PatternRejected unless `source` and `flags` make a pattern we would run. */
export function checkCallerPattern(pattern: CallerPattern): void {
  if (pattern.source.length === 0 || pattern.source.length > MAX_PATTERN_LENGTH) throw new PatternRejected(`pattern must be 1 to ${MAX_PATTERN_LENGTH} characters`);
  if (!PATTERN_FLAGS.test(pattern.flags)) throw new PatternRejected('flags may only be i, m, s and u, each at most once');
  try {
    new RegExp(pattern.source, pattern.flags);
  } catch (error) {
    throw new PatternRejected(`pattern is not a valid regular expression: ${(error as Error).message}`);
  }
}

// One context for every search: its globals are the inputs of the one search running (searches are
// synchronous, so never two at once). Results are copied out as plain strings.
const sandbox = createContext(Object.create(null) as Record<string, unknown>);
const search = new Script(`(() => {
  const re = new RegExp(source, flags + 'g');
  const found = [];
  for (let i = 0; i < texts.length && found.length < max; i++) {
    re.lastIndex = 0;
    for (let m = re.exec(texts[i]); m !== null && found.length < max; m = re.exec(texts[i])) {
      if (m[0] === '') { re.lastIndex++; continue; }
      found.push([i, m[1] !== undefined ? m[1] : m[0]]);
    }
  }
  return found;
})()`);

/** Each match of the caller's pattern (its first group when it has one), in source order, de-duplicated. */
export function matchCallerPattern(pattern: CallerPattern, parts: MessageParts): FoundCode[] {
  checkCallerPattern(pattern);
  const texts = readableTexts(parts);
  Object.assign(sandbox, { source: pattern.source, flags: pattern.flags, texts: texts.map((part) => part.text), max: MAX_PATTERN_MATCHES });
  let matches: Array<[number, string]>;
  try {
    matches = search.runInContext(sandbox, { timeout: PATTERN_TIMEOUT_MS }) as Array<[number, string]>;
  } catch (error) {
    // The deadline, or V8 giving up on the expression (its backtracking stack): the pattern's fault either way.
    if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new PatternRejected(`pattern took longer than ${PATTERN_TIMEOUT_MS} ms on this message: simplify it`);
    }
    throw new PatternRejected(`pattern could not be run on this message: ${String((error as Error)?.message ?? error)}`);
  } finally {
    Object.assign(sandbox, { texts: [] });
  }
  const seen = new Set<string>();
  const found: FoundCode[] = [];
  for (const [index, value] of matches) {
    if (value === '' || seen.has(value)) continue;
    seen.add(value);
    found.push({ value: String(value), source: texts[index].source });
  }
  return found;
}
