// Capturebox's own shape for GET .../messages/:id/codes: the one-time codes found in a message (best first,
// each with the part it was found in) and its links, as Mailsac's EmailMessage `links` lists them.
import type { FoundCode } from '../codes';
import { z } from 'zod';
import type { StoredMessage } from '../domain';

/** The shape, as the OpenAPI document describes it; `source` is the part a code was found in. */
export const MessageCodesSchema = z.object({
  _id: z.string(),
  codes: z.array(z.object({ value: z.string(), source: z.string() })),
  links: z.array(z.string()),
});

export interface MessageCodesJson extends z.infer<typeof MessageCodesSchema> {
  codes: Array<{ value: string; source: FoundCode['source'] }>;
}

export function toMessageCodes(message: StoredMessage, codes: FoundCode[]): MessageCodesJson {
  return { _id: message.id, codes: codes.map(({ value, source }) => ({ value, source })), links: message.links };
}
