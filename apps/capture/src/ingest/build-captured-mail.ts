// Stage "build": joins what the SMTP session knew (envelope, session facts, arrival time) with what parsing
// made of the source, and adds the links found in its text and HTML.
import type { CapturedMail, Envelope, SessionFacts } from '../domain';
import { extractLinks } from './extract-links';
import type { ParsedMail } from './parse-mail';

/** One accepted SMTP transaction, as the SMTP module hands it to ingest. */
export interface CaptureInput {
  queueId: string;
  /** The DATA exactly as received: the source of truth, stored byte for byte behind our Received: line. */
  raw: Buffer;
  received: Date;
  envelope: Envelope;
  session: SessionFacts;
}

export function buildCapturedMail(input: CaptureInput, parsed: ParsedMail): CapturedMail {
  // Field by field rather than spreads, so that nothing else a caller's objects carry ends up stored.
  return {
    queueId: input.queueId,
    raw: input.raw,
    received: input.received,
    envelope: input.envelope,
    session: input.session,
    from: parsed.from,
    to: parsed.to,
    cc: parsed.cc,
    subject: parsed.subject,
    messageId: parsed.messageId,
    headers: parsed.headers,
    text: parsed.text,
    html: parsed.html,
    links: extractLinks(parsed.text, parsed.html),
    attachments: parsed.attachments,
    parseError: parsed.parseError,
  };
}
