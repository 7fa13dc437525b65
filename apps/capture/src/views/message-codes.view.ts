// Capturebox's own shape for GET .../messages/:id/codes: the one-time codes found in a message (best first,
// each with the part it was found in) and its links, as Mailsac's EmailMessage `links` lists them.
import type { FoundCode } from '../codes';
import type { StoredMessage } from '../domain';

export interface MessageCodesJson {
  _id: string;
  codes: Array<{ value: string; source: FoundCode['source'] }>;
  links: string[];
}

export function toMessageCodes(message: StoredMessage, codes: FoundCode[]): MessageCodesJson {
  return { _id: message.id, codes: codes.map(({ value, source }) => ({ value, source })), links: message.links };
}
