// The one error table. Every refusal and every error type has one row here: its SMTP reply (code,
// enhanced status, text, metric reason) and its HTTP status and message (sent as Mailsac's
// ErrorResponseBody). Error classes name their row with a `failure` property; the SMTP session, the
// reply counter and the HTTP exception filter look rows up here and nowhere else.
import { STATUS_CODES } from 'node:http';

/** Why an SMTP reply refused something, as the rejected-messages metric labels it. */
export type RejectionReason = 'size' | 'auth' | 'syntax' | 'store' | 'recipients' | 'limits' | 'timeout' | 'other';
export const REJECTION_REASONS: readonly RejectionReason[] = ['size', 'auth', 'syntax', 'store', 'recipients', 'limits', 'timeout', 'other'];

export interface SmtpReplyRow {
  code: number;
  enhanced: string;
  text: string;
  /** The metric this reply counts toward: a refusal reason, a failed login, or nothing. */
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
    smtp: smtp(530, '5.7.0', 'Authentication required: STARTTLS, then AUTH with your username and API key', 'auth'),
    http: http(401, 'A valid API key is required (Mailsac-Key header or _mailsacKey query).'),
  },
  // RFC 3207: AUTH (or anything needing TLS) before STARTTLS.
  starttls_required: { smtp: smtp(530, '5.7.0', 'Must issue a STARTTLS command first', 'auth') },
  auth_unavailable: { smtp: smtp(454, '4.7.0', 'Temporary authentication failure, try again later', 'auth') },
  mailbox_full: { smtp: smtp(452, '4.2.2', "Mailbox full: the owning account's message limit is reached", 'recipients') },
  too_many_recipients: { smtp: smtp(452, '4.5.3', 'Too many recipients', 'recipients') },
  bad_sender: { smtp: smtp(553, '5.1.7', 'Sender address is not a valid mailbox', 'syntax') },
  bad_recipient: { smtp: smtp(553, '5.1.3', 'Recipient address is not a valid mailbox', 'syntax') },
  message_too_big: { smtp: smtp(552, '5.3.4', 'Message exceeds the maximum size', 'size') },
  // Storage
  store_unavailable: {
    smtp: smtp(451, '4.3.0', 'Storage is temporarily unavailable, try again later', 'store'),
    http: http(503, 'Storage is temporarily unavailable, try again later.'),
  },
  capture_failed: { smtp: smtp(451, '4.3.0', 'Message could not be captured, try again later', 'store') },
  // Resource limits: temporary, the client comes back later.
  // Connections refused at the door are counted by capturebox_smtp_connections_refused_total instead.
  too_many_connections: { smtp: smtp(421, '4.7.0', 'Too many connections, try again later', null) },
  too_many_connections_from_ip: { smtp: smtp(421, '4.7.0', 'Too many connections from your address, try again later', null) },
  busy: { smtp: smtp(451, '4.3.2', 'Too much mail in progress, try again later', 'limits') },
  data_timeout: { smtp: smtp(451, '4.4.2', 'DATA took too long, try again later', 'timeout') },
  // HTTP requests (body-parser's 413/415 and Nest's own errors keep their status, see http-failure.ts)
  bad_request: { http: http(400, 'Bad request.') },
  forbidden: { http: http(403, 'Forbidden.') },
  not_found: { http: http(404, 'Not found.') },
  conflict: { http: http(409, 'Conflict.') },
  too_many_waits: { http: http(429, 'Too many waits are open, try again later.') },
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
 * The metric of a reply: the row whose code and text it carries (our refusals), else the first row with
 * its code (smtp-server's own replies); smtp-server's 5xx command errors and 421s count as nothing.
 */
export function metricOfSmtpReply(code: number, text = ''): SmtpReplyRow['metric'] {
  const rows = (Object.values(FAILURES) as FailureRow[]).flatMap((row) => (row.smtp?.code === code ? [row.smtp] : []));
  const exact = rows.find((row) => text.startsWith(`${row.enhanced} ${row.text}`));
  if (exact ?? rows[0]) return (exact ?? rows[0]).metric;
  // 538 is smtp-server's own "STARTTLS first"; 501/555 its own syntax errors.
  if (code === 538) return 'auth';
  if (code === 501 || code === 555) return 'syntax';
  return code >= 400 && !(code >= 500 && code <= 504) && code !== 421 ? 'other' : null;
}

export const httpStatusText = (status: number): string => STATUS_CODES[status] ?? 'Error';
