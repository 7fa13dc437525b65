// Path input of the UI's routes, checked where it enters (the same shapes the API accepts).
import { BadRequestException } from '@nestjs/common';
import { inboxOf, isMessageId, isValidMailbox } from '../domain';


/** The inbox an address names (lower-cased), or 400. */
export function parseInbox(email: string): string {
  if (!isValidMailbox(email)) throw new BadRequestException('Invalid email address.');
  return inboxOf(email);
}

export function parseMessageId(id: string): string {
  if (!isMessageId(id)) throw new BadRequestException('Invalid message id.');
  return id;
}
