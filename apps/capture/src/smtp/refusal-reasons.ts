// Which metrics reason an SMTP reply code stands for. Command-level errors (500-504: unknown command,
// bad sequence) are not message refusals and are not counted.
import type { RejectionReason } from '../metrics';

export type ReplyOutcome = { kind: 'rejected'; reason: RejectionReason } | { kind: 'auth_failed' } | { kind: 'none' };

export function outcomeOfReply(code: number): ReplyOutcome {
  switch (code) {
    case 552:
      return { kind: 'rejected', reason: 'size' };
    case 530:
    case 538:
      return { kind: 'rejected', reason: 'auth' };
    case 535:
      return { kind: 'auth_failed' };
    case 501:
    case 553:
    case 555:
      return { kind: 'rejected', reason: 'syntax' };
    case 451:
      return { kind: 'rejected', reason: 'store' };
    case 454:
      return { kind: 'rejected', reason: 'auth' };
    case 452:
      // Too many recipients, or an owning account's message limit.
      return { kind: 'rejected', reason: 'recipients' };
    default:
      return code >= 400 && !(code >= 500 && code <= 504) && code !== 421 ? { kind: 'rejected', reason: 'other' } : { kind: 'none' };
  }
}
