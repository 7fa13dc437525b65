// Capturebox's own shapes of a message's checks (GET .../messages/:id/checks/spam|html|links): SpamAssassin's
// verdict, the HTML features mail clients lack, and the status of its links.
import { z } from 'zod';
import type { HtmlCheck, LinkStatus } from '../checks';
import { spamProbability, type StoredMessage } from '../domain';

export const SpamCheckSchema = z.object({
  _id: z.string(),
  /** False: not scored (no spamd configured, spamd could not be reached, or not yet). */
  scored: z.boolean(),
  /** Mailsac's `spam`, 0..1 (spamProbability); null when not scored. */
  spam: z.number().min(0).max(1).nullable(),
  score: z.number().nullable(),
  required: z.number().nullable(),
  rules: z.array(z.string()),
});

export const HtmlCheckSchema = z.object({
  _id: z.string(),
  checked: z.boolean(),
  truncated: z.boolean(),
  issues: z.array(z.object({ feature: z.string(), support: z.enum(['unsupported', 'partial']), clients: z.array(z.string()) })),
});

export const LinkCheckSchema = z.object({
  _id: z.string(),
  truncated: z.boolean(),
  links: z.array(
    z.object({
      url: z.string(),
      result: z.enum(['ok', 'broken', 'failed', 'not_allowed']),
      status: z.number().int().nullable(),
      redirects: z.number().int(),
      finalUrl: z.string().nullable(),
      error: z.enum(['timeout', 'unreachable', 'redirect_loop', 'too_many_redirects', 'not_http']).nullable(),
    }),
  ),
});

export function toSpamCheck(message: StoredMessage): z.infer<typeof SpamCheckSchema> {
  const verdict = message.spamVerdict;
  if (!verdict) return { _id: message.id, scored: false, spam: null, score: null, required: null, rules: [] };
  return { _id: message.id, scored: true, spam: spamProbability(verdict), score: verdict.score, required: verdict.required, rules: verdict.rules };
}

export function toHtmlCheck(message: StoredMessage, check: HtmlCheck): z.infer<typeof HtmlCheckSchema> {
  return { _id: message.id, ...check };
}

export function toLinkCheck(message: StoredMessage, check: { links: LinkStatus[]; truncated: boolean }): z.infer<typeof LinkCheckSchema> {
  return { _id: message.id, truncated: check.truncated, links: check.links };
}
