// Stage "trace": the `Received:` line every MTA (Mailsac too) puts on top of a message it accepts
// (RFC 5321 4.4): who handed it over, from which address, how, under which id, and when. What is stored
// as the raw source is this line followed by the DATA exactly as received.
import { isIP } from 'node:net';
import { isValidDomain, isValidMailbox } from '../domain';
import type { CaptureInput } from './build-captured-mail';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The DATA with our trace line in front: the raw source the store keeps and every view reads. */
export function withReceivedTraceLine(input: CaptureInput): CaptureInput {
  return { ...input, raw: Buffer.concat([Buffer.from(receivedTraceLine(input), 'utf8'), input.raw]) };
}

/**
 * `Received: from <helo> ([ip])\r\n\tby <us> (Capturebox) with <protocol> id <queueId>\r\n\tfor <rcpt>; <date>\r\n`,
 * folded before `by` and `for`. The `for` clause names the recipient only when there is one: the raw
 * source is shared by every recipient's copy, and naming them all would show each one the blind copies.
 */
export function receivedTraceLine(input: CaptureInput): string {
  const { session, envelope } = input;
  const literal = addressLiteral(session.clientIp);
  // The HELO name is the client's word: written only when it is a domain or an address literal, so it
  // can carry neither a line break nor a `;` or `(` that would change what the header says.
  const helo = session.heloName !== null && isHeloName(session.heloName) ? session.heloName : null;
  // TCP-info: the reverse name when one was looked up (never today: lookups are off), then the address.
  const reverse = session.clientHostname !== null && isValidDomain(session.clientHostname) ? session.clientHostname : null;
  const tcpInfo = literal && (reverse ? `${reverse} ${literal}` : literal);
  const from = helo ? `${helo}${tcpInfo ? ` (${tcpInfo})` : ''}` : (literal ? `${literal} (${tcpInfo})` : 'unknown');
  const recipients = [...new Set(envelope.rcptTo.filter(Boolean).map((recipient) => recipient.toLowerCase()))];
  const only = recipients.length === 1 ? envelope.rcptTo.find(Boolean)! : null;
  const forClause = only !== null && isValidMailbox(only) ? `\r\n\tfor <${only}>` : '';
  return (
    `Received: from ${from}\r\n` +
    `\tby ${session.serverHostname} (Capturebox) with ${session.protocol} id ${input.queueId}` +
    `${forClause}; ${rfc5322Date(input.received)}\r\n`
  );
}

function isHeloName(name: string): boolean {
  return isValidDomain(name) || /^\[(IPv6:)?[0-9A-Fa-f:.]+\]$/.test(name);
}

/** `[192.0.2.1]`, `[IPv6:2001:db8::1]` (RFC 5321 4.1.3); null for what is no IP address. */
function addressLiteral(ip: string): string | null {
  const version = isIP(ip);
  if (version === 4) return `[${ip}]`;
  if (version === 6) return `[IPv6:${ip}]`;
  return null;
}

/** `Tue, 25 Nov 2025 10:00:00 +0000` (RFC 5322 3.3), in UTC: `toUTCString` writes the obsolete `GMT`. */
function rfc5322Date(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${time} +0000`;
}
