// What a client asks for when it opens Mailsac's WebSocket: `/incoming-messages?key=...&addresses=a,b`, where
// each entry is an address or a custom domain, and (Capturebox's addition) `since=<cursor>` to first get what
// arrived since then. Checked once, before the upgrade: a bad request gets a plain HTTP 400.
import { z } from 'zod';
import { inboxOf, isValidDomain, isValidMailbox, normalizeDomain } from '../domain';

export const INCOMING_MESSAGES_PATH = '/incoming-messages';
/** Entries per socket: one test suite's addresses, not a crawl. */
export const MAX_LISTENED = 100;

export interface IncomingMessagesRequest {
  key: string | undefined;
  addresses: string[];
  domains: string[];
  since: Date | undefined;
}

export class BadSocketRequest extends Error {
  readonly failure = 'bad_request';
  override name = 'BadSocketRequest';
}

const Query = z.object({
  key: z.string().min(1).max(200).optional(),
  addresses: z.string().min(1, 'name at least one address or domain in addresses=').max(30_000),
  since: z
    .string()
    .refine((value) => !Number.isNaN(Date.parse(value)), 'since must be an ISO 8601 date')
    .transform((value) => new Date(value))
    .optional(),
});

export function parseIncomingMessagesRequest(url: URL, headerKey: string | undefined): IncomingMessagesRequest {
  const given = Object.fromEntries([...url.searchParams].filter(([, value]) => value !== ''));
  const parsed = Query.safeParse(given);
  if (!parsed.success) throw new BadSocketRequest(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
  const entries = [...new Set(parsed.data.addresses.split(',').map((entry) => entry.trim()).filter(Boolean))];
  if (entries.length === 0 || entries.length > MAX_LISTENED) throw new BadSocketRequest(`addresses: 1 to ${MAX_LISTENED} addresses or domains`);
  const addresses: string[] = [];
  const domains: string[] = [];
  for (const entry of entries) {
    if (entry.includes('@')) {
      if (!isValidMailbox(entry)) throw new BadSocketRequest(`addresses: not a valid address: ${entry.slice(0, 80)}`);
      addresses.push(inboxOf(entry));
    } else {
      if (!isValidDomain(entry)) throw new BadSocketRequest(`addresses: not a valid domain: ${entry.slice(0, 80)}`);
      domains.push(normalizeDomain(entry));
    }
  }
  return { key: headerKey || parsed.data.key, addresses, domains, since: parsed.data.since };
}
