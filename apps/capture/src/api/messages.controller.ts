// Mailsac's "inboxes", "one message" and "organizing" routes. Thin: parse input, call MailboxMessages,
// render Mailsac JSON.
import { Controller, Delete, Get, HttpCode, Param, Put, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { badRequest } from './api-errors';
import { parseCodesQuery, parseEmail, parseFolder, parseLabel, parseListQuery, parseMessageId, parseReadFlag } from './api-input';
import { CurrentCaller, type Caller } from './caller';
import { renderHeaders, toEmailMessage, toMailsacAttachmentMeta, toMessageCodes, type HeadersFormat } from '../views';
import { sendDownloadable } from './send-body';
import { MailboxMessages } from './mailbox-messages.service';

const HEADER_FORMATS: HeadersFormat[] = ['json', 'json-ordered', 'plain'];

@Controller('api/addresses')
export class MessagesController {
  constructor(private readonly mailboxes: MailboxMessages) {}

  // Declared before ':email' routes so "starred" is never taken for an address.
  @Get('starred/messages')
  async listStarred(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    const messages = await this.mailboxes.listStarred(caller, parseListQuery(query));
    return messages.map(toEmailMessage);
  }

  @Get(':email/messages')
  async listInbox(@CurrentCaller() caller: Caller, @Param('email') email: string, @Query() query: Record<string, unknown>) {
    const messages = await this.mailboxes.listInbox(caller, parseEmail(email), parseListQuery(query));
    return messages.map(toEmailMessage);
  }

  @Get(':email/message-count')
  async countInbox(@CurrentCaller() caller: Caller, @Param('email') email: string) {
    const inbox = parseEmail(email);
    return { count: await this.mailboxes.countInbox(caller, inbox), inbox };
  }

  @Delete(':email/messages')
  @HttpCode(204)
  async deleteInbox(@CurrentCaller() caller: Caller, @Param('email') email: string): Promise<void> {
    await this.mailboxes.deleteInbox(caller, parseEmail(email));
  }

  @Get(':email/messages/:id')
  async getMessage(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string) {
    return toEmailMessage(await this.mailboxes.getMessage(caller, parseEmail(email), parseMessageId(id)));
  }

  @Delete(':email/messages/:id')
  async deleteMessage(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string) {
    const inbox = parseEmail(email);
    const messageId = parseMessageId(id);
    await this.mailboxes.deleteMessage(caller, inbox, messageId);
    return { _id: messageId, inbox, message: 'Message was deleted.' };
  }

  @Get(':email/messages/:id/headers')
  async getHeaders(
    @CurrentCaller() caller: Caller,
    @Param('email') email: string,
    @Param('id') id: string,
    @Query('messageHeadersFormat') formatParam: string | undefined,
    @Query('download') download: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const format = (formatParam || 'json') as HeadersFormat;
    if (!HEADER_FORMATS.includes(format)) throw badRequest(`messageHeadersFormat must be one of: ${HEADER_FORMATS.join(', ')}`);
    const messageId = parseMessageId(id);
    const body = await this.mailboxes.getBody(caller, parseEmail(email), messageId);
    const rendered = renderHeaders(body.headers, format);
    if (typeof rendered === 'string') sendDownloadable(response, 'text/plain; charset=utf-8', rendered, download, `${messageId}-headers.txt`);
    else response.json(rendered);
  }

  // Capturebox's own route (Mailsac has none like it): the message's one-time codes and its links.
  @Get(':email/messages/:id/codes')
  async getCodes(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    const pattern = parseCodesQuery(query);
    const { message, codes } = await this.mailboxes.getCodes(caller, parseEmail(email), parseMessageId(id), pattern);
    return toMessageCodes(message, codes);
  }

  @Get(':email/messages/:id/attachments')
  async listAttachments(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string) {
    const message = await this.mailboxes.getMessage(caller, parseEmail(email), parseMessageId(id));
    return message.attachments.map(toMailsacAttachmentMeta);
  }

  @Get(':email/messages/:id/attachments/:attachment')
  async downloadAttachment(
    @CurrentCaller() caller: Caller,
    @Param('email') email: string,
    @Param('id') id: string,
    @Param('attachment') identifier: string,
    @Res() response: Response,
  ): Promise<void> {
    const attachment = await this.mailboxes.getAttachment(caller, parseEmail(email), parseMessageId(id), identifier);
    // Always a download with a neutral type: captured content must never render in the app's origin.
    sendDownloadable(response, 'application/octet-stream', attachment.content, '1', attachment.filename ?? `${attachment.md5}.bin`);
  }

  @Put(':email/messages/:id/star')
  async toggleStar(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string) {
    return toEmailMessage(await this.mailboxes.toggleStar(caller, parseEmail(email), parseMessageId(id)));
  }

  @Put(':email/messages/:id/labels/:label')
  async addLabel(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string, @Param('label') label: string) {
    const message = await this.mailboxes.addLabel(caller, parseEmail(email), parseMessageId(id), parseLabel(label));
    return { _id: message.id, labels: message.labels };
  }

  @Delete(':email/messages/:id/labels/:label')
  async removeLabel(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string, @Param('label') label: string) {
    const message = await this.mailboxes.removeLabel(caller, parseEmail(email), parseMessageId(id), parseLabel(label));
    return { _id: message.id, labels: message.labels };
  }

  @Put(':email/messages/:id/folder/:folder')
  async setFolder(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string, @Param('folder') folder: string) {
    const message = await this.mailboxes.setFolder(caller, parseEmail(email), parseMessageId(id), parseFolder(folder));
    return { _id: message.id, folder: message.folder };
  }

  @Put(':email/messages/:id/read/:read')
  async setRead(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string, @Param('read') read: string) {
    const message = await this.mailboxes.setRead(caller, parseEmail(email), parseMessageId(id), parseReadFlag(read));
    return { _id: message.id, read: message.read };
  }
}
