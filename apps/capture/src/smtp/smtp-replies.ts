// SMTP refusals are data: each has its code, enhanced status and text here, so the session code, the
// tests and (later) metrics name a reason instead of matching strings.

export type RefusalReason =
  | 'auth_failed'
  | 'auth_required'
  | 'auth_unavailable'
  | 'mailbox_full'
  | 'too_many_recipients'
  | 'bad_sender'
  | 'bad_recipient'
  | 'message_too_big'
  | 'store_unavailable'
  | 'capture_failed';

interface Reply {
  code: number;
  enhanced: string;
  text: string;
}

const REFUSALS: Record<RefusalReason, Reply> = {
  auth_failed: { code: 535, enhanced: '5.7.8', text: 'Authentication credentials invalid' },
  auth_required: { code: 530, enhanced: '5.7.0', text: 'Authentication required: STARTTLS, then AUTH with your username and API key' },
  auth_unavailable: { code: 454, enhanced: '4.7.0', text: 'Temporary authentication failure, try again later' },
  mailbox_full: { code: 452, enhanced: '4.2.2', text: "Mailbox full: the owning account's message limit is reached" },
  too_many_recipients: { code: 452, enhanced: '4.5.3', text: 'Too many recipients' },
  bad_sender: { code: 553, enhanced: '5.1.7', text: 'Sender address is not a valid mailbox' },
  bad_recipient: { code: 553, enhanced: '5.1.3', text: 'Recipient address is not a valid mailbox' },
  message_too_big: { code: 552, enhanced: '5.3.4', text: 'Message exceeds the maximum size' },
  store_unavailable: { code: 451, enhanced: '4.3.0', text: 'Storage is temporarily unavailable, try again later' },
  capture_failed: { code: 451, enhanced: '4.3.0', text: 'Message could not be captured, try again later' },
};

/** An Error that smtp-server turns into the reply for `reason` (it reads `responseCode`). */
export class SmtpRefusal extends Error {
  readonly responseCode: number;

  constructor(readonly reason: RefusalReason, detail?: string) {
    const reply = REFUSALS[reason];
    super(`${reply.enhanced} ${reply.text}${detail ? `: ${detail}` : ''}`);
    this.name = 'SmtpRefusal';
    this.responseCode = reply.code;
  }
}

export function acceptedReply(queueId: string): string {
  return `OK : queued as ${queueId}`;
}
