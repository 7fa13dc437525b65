// The ingest pipeline up to routing: trace line -> parse -> build (extract links) -> route to inboxes.
// No I/O: the caller (CaptureService) applies privacy and stores the result, and the SMTP module replies.
import type { CapturedMail, StoredMessage } from '../domain';
import { buildCapturedMail, type CaptureInput } from './build-captured-mail';
import { parseMail } from './parse-mail';
import { withReceivedTraceLine } from './received-trace-line';
import { routeToInboxes } from './route-to-inboxes';

export interface CapturePipelineResult {
  /** Stored once per queue id: raw source, parsed content, envelope and session facts. */
  mail: CapturedMail;
  /** One per distinct envelope recipient, ids `<queueId>-0`, `<queueId>-1`, ... */
  copies: StoredMessage[];
}

/** Never rejects on bad mail: a source that cannot be parsed still yields copies (see `parseError`). */
export async function runCapturePipeline(transaction: CaptureInput): Promise<CapturePipelineResult> {
  // Parsed with the trace line, so the headers, the size and the raw source all say the same.
  const input = withReceivedTraceLine(transaction);
  const parsed = await parseMail(input.raw);
  const mail = buildCapturedMail(input, parsed);
  return { mail, copies: routeToInboxes(mail) };
}
