// SMTP refusals as errors smtp-server understands. Codes, enhanced statuses and texts come from the one
// error table (failures/); this file only shapes them for smtp-server.
import { FAILURES, failureNameOf, smtpRow, type SmtpFailure } from '../failures';

export type RefusalReason = SmtpFailure;

/** An Error that smtp-server turns into the reply for `reason` (it reads `responseCode`). */
export class SmtpRefusal extends Error {
  readonly responseCode: number;

  constructor(readonly reason: RefusalReason, detail?: string) {
    const reply = smtpRow(reason);
    super(`${reply.enhanced} ${reply.text}${detail ? `: ${detail}` : ''}`);
    this.name = 'SmtpRefusal';
    this.responseCode = reply.code;
  }
}

/** The refusal for an error thrown while capturing: its own table row, or "could not be captured". */
export function refusalOf(error: unknown): SmtpRefusal {
  const name = failureNameOf(error);
  return new SmtpRefusal(name && 'smtp' in FAILURES[name] ? (name as SmtpFailure) : 'capture_failed');
}

/** The reply line of a refusal, for the places that write to a connection directly. */
export function refusalLine(reason: RefusalReason): { code: number; text: string } {
  const reply = smtpRow(reason);
  return { code: reply.code, text: `${reply.enhanced} ${reply.text}` };
}

export function acceptedReply(queueId: string): string {
  return `OK : queued as ${queueId}`;
}
