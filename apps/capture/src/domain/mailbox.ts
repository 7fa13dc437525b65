import { domainToUnicode } from 'node:url';

// The envelope check: any recipient at any domain is welcome, as long as it is a mailbox we can file
// mail under (local@domain, no spaces or control characters, sane lengths from RFC 5321 4.5.3.1).
const MAX_LOCAL_PART = 64;
const MAX_ADDRESS = 254;

export function isValidMailbox(address: string): boolean {
  if (address.length === 0 || address.length > MAX_ADDRESS) return false;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > MAX_LOCAL_PART) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f<>]/.test(address)) return false;
  // A domain is dot-separated labels, or an address literal like [127.0.0.1].
  if (domain.startsWith('[')) return /^\[[0-9a-fA-F:.]+\]$/.test(domain);
  return domain.split('.').every((label) => label.length > 0 && label.length <= 63 && !label.startsWith('-') && !label.endsWith('-') && /^[\p{L}\p{N}_-]+$/u.test(label));
}

/** A domain name Capturebox can file mail under: the part after `@` of a valid mailbox, not an address literal. */
export function isValidDomain(domain: string): boolean {
  return !domain.startsWith('[') && isValidMailbox(`x@${domain}`);
}

/**
 * The inbox a recipient's mail is filed under, and the one normal form every route looks addresses up by:
 * case-insensitive, with an internationalized domain in Unicode whichever spelling was used (smtp-server
 * hands the envelope over with punycode already decoded; an API caller may send either).
 */
export function inboxOf(address: string): string {
  const trimmed = address.trim();
  const at = trimmed.lastIndexOf('@');
  if (at === -1) return trimmed.toLowerCase();
  return `${trimmed.slice(0, at).toLowerCase()}@${normalizeDomain(trimmed.slice(at + 1))}`;
}

/** A domain in the form inboxOf files it under: lower case, punycode labels decoded (UTS #46). */
export function normalizeDomain(domain: string): string {
  const lower = domain.trim().toLowerCase();
  // '' for what is no domain name (an address literal, a bad punycode label): kept as given then.
  return (lower.startsWith('[') ? '' : domainToUnicode(lower)) || lower;
}

/** The normalized domain of an address; '' for a bare name (a recipient given without a domain). */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? '' : normalizeDomain(address.slice(at + 1));
}
