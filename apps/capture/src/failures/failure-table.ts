// The one error table. Every refusal and every error type has one row here: its SMTP reply (code,
// enhanced status, text, metric reason) and its HTTP status and message (sent as Mailsac's
// ErrorResponseBody). Error classes name their row with a `failure` property; the SMTP session, the
// reply counter and the HTTP exception filter look rows up here and nowhere else. The replies
// smtp-server writes on its own (not from a row) are listed here too, in ENGINE_REPLY_METRICS.
import { STATUS_CODES } from 'node:http';

/**
 * Why an SMTP reply refused something, as capturebox_smtp_messages_rejected_total labels it: the reason
 * of each refusal row below (its own name), plus `syntax` and `other` for smtp-server's own replies.
 */
export const REJECTION_REASONS = [
  'auth_required',
  'starttls_required',
  'auth_unavailable',
  'mailbox_full',
  'too_many_recipients',
  'bad_sender',
  'bad_recipient',
  'message_too_big',
  'store_unavailable',
  'capture_failed',
  'busy',
  'data_timeout',
  'syntax',
  'other',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface SmtpReplyRow {
  code: number;
  enhanced: string;
  text: string;
  /**
   * The metric this reply counts toward: a refused message (by reason), a failed login, or nothing.
   * A refusal carries its row name, so it is counted by its own row, never by its code or text.
   */
  metric: RejectionReason | 'auth_failed' | null;
}

export interface HttpReplyRow {
  status: number;
  /** The message when the error carries none of its own. */
  message: string;
}

interface FailureRow {
  smtp?: SmtpReplyRow;
  http?: HttpReplyRow;
}

const smtp = (code: number, enhanced: string, text: string, metric: SmtpReplyRow['metric']): SmtpReplyRow => ({ code, enhanced, text, metric });
const http = (status: number, message: string): HttpReplyRow => ({ status, message });

export const FAILURES = {
  // SMTP session and envelope
  auth_failed: { smtp: smtp(535, '5.7.8', 'Authentication credentials invalid', 'auth_failed') },
  auth_required: {
    smtp: smtp(530, '5.7.0', 'Authentication required: STARTTLS, then AUTH with your username and API key', 'auth_required'),
    http: http(401, 'A valid API key is required (Mailsac-Key header or _mailsacKey query).'),
  },
  // RFC 3207: AUTH (or anything needing TLS) before STARTTLS.
  starttls_required: { smtp: smtp(530, '5.7.0', 'Must issue a STARTTLS command first', 'starttls_required') },
  // The accounts store is down, so the login could not be checked: counted as mail turned away for now
  // (beside store_unavailable), not as a failed login, since the credentials were never judged wrong.
  auth_unavailable: { smtp: smtp(454, '4.7.0', 'Temporary authentication failure, try again later', 'auth_unavailable') },
  mailbox_full: { smtp: smtp(452, '4.2.2', "Mailbox full: the owning account's message limit is reached", 'mailbox_full') },
  too_many_recipients: { smtp: smtp(452, '4.5.3', 'Too many recipients', 'too_many_recipients') },
  bad_sender: { smtp: smtp(553, '5.1.7', 'Sender address is not a valid mailbox', 'bad_sender') },
  bad_recipient: { smtp: smtp(553, '5.1.3', 'Recipient address is not a valid mailbox', 'bad_recipient') },
  message_too_big: { smtp: smtp(552, '5.3.4', 'Message exceeds the maximum size', 'message_too_big') },
  // Storage
  store_unavailable: {
    smtp: smtp(451, '4.3.0', 'Storage is temporarily unavailable, try again later', 'store_unavailable'),
    http: http(503, 'Storage is temporarily unavailable, try again later.'),
  },
  capture_failed: { smtp: smtp(451, '4.3.0', 'Message could not be captured, try again later', 'capture_failed') },
  // Resource limits: temporary, the client comes back later.
  // Connections refused at the door are counted by capturebox_smtp_connections_refused_total instead.
  too_many_connections: { smtp: smtp(421, '4.7.0', 'Too many connections, try again later', null) },
  too_many_connections_from_ip: { smtp: smtp(421, '4.7.0', 'Too many connections from your address, try again later', null) },
  busy: { smtp: smtp(451, '4.3.2', 'Too much mail in progress, try again later', 'busy') },
  data_timeout: { smtp: smtp(451, '4.4.2', 'DATA took too long, try again later', 'data_timeout') },
  // HTTP requests (body-parser's 413/415 and Nest's own errors keep their status, see http-failure.ts)
  bad_request: { http: http(400, 'Bad request.') },
  forbidden: { http: http(403, 'Forbidden.') },
  not_found: { http: http(404, 'Not found.') },
  conflict: { http: http(409, 'Conflict.') },
  too_many_waits: { http: http(429, 'Too many waits are open, try again later.') },
  too_many_sockets: { http: http(429, 'Too many WebSockets are open, try again later.') },
  internal: { http: http(500, 'Internal error.') },
} as const satisfies Record<string, FailureRow>;

export type FailureName = keyof typeof FAILURES;
export type SmtpFailure = { [K in FailureName]: (typeof FAILURES)[K] extends { smtp: SmtpReplyRow } ? K : never }[FailureName];
export type HttpFailure = { [K in FailureName]: (typeof FAILURES)[K] extends { http: HttpReplyRow } ? K : never }[FailureName];

/** An error that names its row. */
export interface NamedFailure {
  failure: FailureName;
}

export function failureNameOf(error: unknown): FailureName | null {
  const name = (error as Partial<NamedFailure> | null)?.failure;
  return typeof name === 'string' && name in FAILURES ? name : null;
}

export function smtpRow(name: SmtpFailure): SmtpReplyRow {
  return FAILURES[name].smtp;
}

/**
 * The replies smtp-server writes on its own, by code (ours always come from a row above). Its 421s
 * (idle timeout, too many bad commands, shutdown) and 500-504 command errors refuse no message: nothing.
 */
const ENGINE_REPLY_METRICS: Readonly<Record<number, SmtpReplyRow['metric']>> = {
  552: 'message_too_big', // MAIL FROM with SIZE= over its limit (DATA past it is ours: receive-data.ts)
  530: 'auth_required', // MAIL FROM before AUTH on an encrypted session
  535: 'auth_failed', // a login it judged itself
  501: 'syntax', // its syntax checks of addresses, parameters and AUTH
  421: null,
  500: null,
  502: null,
  503: null,
  504: null,
};

/** What a reply smtp-server wrote on its own counts toward; an unlisted refusal is `other`. */
export function metricOfEngineReply(code: number): SmtpReplyRow['metric'] {
  if (code in ENGINE_REPLY_METRICS) return ENGINE_REPLY_METRICS[code];
  return code >= 400 ? 'other' : null;
}

export const httpStatusText = (status: number): string => STATUS_CODES[status] ?? 'Error';
