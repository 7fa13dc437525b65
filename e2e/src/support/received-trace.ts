// What Capturebox stores as a message's raw source: its own Received: trace line (RFC 5321 4.4), then
// the DATA exactly as the client sent it. Tests split the two to check each: the line's facts, and the
// client's bytes byte for byte.
import assert from 'node:assert/strict';

/** Our line always ends with its date, in UTC: the first `+0000` CRLF is its end. */
const TRACE_LINE = /^Received: from [^\r\n]*\r\n\tby [^\r\n]*(?:\r\n\tfor <[^\r\n]*>)?; \w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d \+0000\r\n/;

export interface TracedSource {
  /** The trace line, folds and final CRLF included. */
  traceLine: string;
  /** Everything after it: what the client sent. */
  original: Buffer;
}

/** Fails unless `raw` starts with one of our trace lines. */
export function splitTraceLine(raw: Buffer): TracedSource {
  const match = TRACE_LINE.exec(raw.subarray(0, 2048).toString('utf8'));
  assert.ok(match, `no Received: trace line at the top of:\n${raw.subarray(0, 300).toString('latin1')}`);
  const length = Buffer.byteLength(match[0], 'utf8');
  return { traceLine: match[0], original: raw.subarray(length) };
}

export interface TraceExpectation {
  /** The `from` part as written, e.g. `e2e.test ([127.0.0.1])`; left unchecked when absent. */
  from?: string;
  /** RFC 3848: ESMTP, ESMTPS, ESMTPA, ESMTPSA. */
  protocol: string;
  queueId: string;
  /** The one recipient, or null when there were several (then no `for`). */
  recipient: string | null;
}

/** The trace line's facts, as the session had them. */
export function assertTraceLine(traceLine: string, expected: TraceExpectation): void {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const forClause = expected.recipient === null ? '' : `\\r\\n\\tfor <${escape(expected.recipient)}>`;
  const pattern = new RegExp(
    `^Received: from ${expected.from === undefined ? '[^\\r\\n]+' : escape(expected.from)}\\r\\n\\tby \\S+ \\(Capturebox\\) with ${expected.protocol} id ${escape(expected.queueId)}${forClause}; `,
  );
  assert.match(traceLine, pattern);
}
