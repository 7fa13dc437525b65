// A message's one-time codes, found at read time from its stored subject, text and HTML: by the
// heuristic of find-codes.ts, or by a caller's own pattern under a deadline (caller-pattern.ts). Pure.
export { findCodes, MAX_CODES, type FoundCode } from './find-codes';
export { checkCallerPattern, matchCallerPattern, PatternRejected, MAX_PATTERN_LENGTH, PATTERN_TIMEOUT_MS, type CallerPattern } from './caller-pattern';
export { type CodeSource, type MessageParts } from './readable-text';
