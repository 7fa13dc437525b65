// Counts every SMTP reply that refuses something, exactly once, as it is written (a refusal smtp-server
// never writes, because the client left first, is not counted). Our refusals are handed over here when
// smtp-server is given them, and counted by the row they carry; any other reply is one smtp-server wrote
// on its own (its 552 for SIZE=, its 530, its 501s) and is counted by the error table's list of those.
import { metricOfEngineReply, smtpRow, type SmtpReplyRow } from '../failures';
import type { CaptureMetrics } from '../metrics';
import type { SmtpRefusal } from './smtp-replies';

export class RefusalCounter {
  /** Per session, our refusal that smtp-server writes next. */
  private readonly handedOver = new Map<string, SmtpRefusal>();

  constructor(private readonly metrics: CaptureMetrics) {}

  /** Marks `refusal` as the next reply of the session, and returns it for smtp-server. */
  handOver(sessionId: string, refusal: SmtpRefusal): SmtpRefusal {
    this.handedOver.set(sessionId, refusal);
    return refusal;
  }

  /** A reply about to be written to the session's client. */
  countReply(sessionId: string, code: number, text: string): void {
    const ours = this.handedOver.get(sessionId);
    this.handedOver.delete(sessionId);
    const isOurs = ours !== undefined && ours.responseCode === code && ours.message === text;
    this.count(isOurs ? smtpRow(ours.reason).metric : metricOfEngineReply(code));
  }

  forget(sessionId: string): void {
    this.handedOver.delete(sessionId);
  }

  private count(metric: SmtpReplyRow['metric']): void {
    if (metric === 'auth_failed') this.metrics.authFailuresTotal.inc();
    else if (metric !== null) this.metrics.messagesRejectedTotal.inc({ reason: metric });
  }
}
