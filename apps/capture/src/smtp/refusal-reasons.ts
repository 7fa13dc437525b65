// Which metric an SMTP reply code counts toward, by the error table (failures/). Command-level errors
// (500-504: unknown command, bad sequence) are not message refusals and are not counted.
import { metricOfSmtpReply, type RejectionReason } from '../failures';

export type ReplyOutcome = { kind: 'rejected'; reason: RejectionReason } | { kind: 'auth_failed' } | { kind: 'none' };

export function outcomeOfReply(code: number, text = ''): ReplyOutcome {
  const metric = metricOfSmtpReply(code, text);
  if (metric === null) return { kind: 'none' };
  if (metric === 'auth_failed') return { kind: 'auth_failed' };
  return { kind: 'rejected', reason: metric };
}
