// Path input of the UI's routes, checked where it enters (the same shapes the API accepts), with the
// schemas their @ApiOperation declares.
import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { inboxOf, isValidMailbox, MESSAGE_ID } from '../domain';

export const InboxParam = z.string().refine(isValidMailbox, 'Invalid email address.').meta({ description: 'An email address: the inbox', format: 'email' });
export const MessageIdParam = z.string().regex(MESSAGE_ID, 'Invalid message id.').meta({ description: "A message's id (`_id`)" });

function parseParam(schema: z.ZodType<string, string>, value: string): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BadRequestException(parsed.error.issues[0].message);
  return parsed.data;
}

/** The inbox an address names (lower-cased), or 400. */
export function parseInbox(email: string): string {
  return inboxOf(parseParam(InboxParam, email));
}

export function parseMessageId(id: string): string {
  return parseParam(MessageIdParam, id);
}
