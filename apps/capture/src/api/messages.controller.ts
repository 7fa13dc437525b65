// Mailsac's "inboxes", "one message" and "organizing" routes. Thin: parse input, call MailboxMessages,
// render Mailsac JSON.
import { Controller, Delete, Get, HttpCode, Param, Put, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOperation, jsonResponse, mailsacResponses } from '../openapi';
import {
  AttachmentParam,
  CodesQuerySchema,
  EmailParam,
  FolderParam,
  HeadersQuerySchema,
  LabelParam,
  ListQuerySchema,
  MessageIdParam,
  parseCodesQuery,
  parseEmail,
  parseFolder,
  parseHeadersQuery,
  parseLabel,
  parseListQuery,
  parseMessageId,
  parseReadFlag,
  ReadFlagParam,
} from './api-input';
import { CurrentCaller, type Caller } from './caller';
import { MessageCodesSchema, renderHeaders, toEmailMessage, toMailsacAttachmentMeta, toMessageCodes } from '../views';
import { sendDownloadable } from './send-body';
import { MailboxMessages } from './mailbox-messages.service';

@Controller('api/addresses')
export class MessagesController {
  constructor(private readonly mailboxes: MailboxMessages) {}

  // Declared before ':email' routes so "starred" is never taken for an address.
  @Get('starred/messages')
  @ApiOperation({ operationId: 'ListStarredMessages', summary: "The caller's starred messages, newest first", query: ListQuerySchema, responses: mailsacResponses('ListStarredMessages') })
  async listStarred(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    const messages = await this.mailboxes.listStarred(caller, parseListQuery(query));
    return messages.map(toEmailMessage);
  }

  @Get(':email/messages')
  @ApiOperation({ operationId: 'ListMessages', summary: 'An inbox, newest first', params: { email: EmailParam }, query: ListQuerySchema, responses: mailsacResponses('ListMessages') })
  async listInbox(@CurrentCaller() caller: Caller, @Param('email') email: string, @Query() query: Record<string, unknown>) {
    const messages = await this.mailboxes.listInbox(caller, parseEmail(email), parseListQuery(query));
    return messages.map(toEmailMessage);
  }

  @Get(':email/message-count')
  @ApiOperation({ operationId: 'CountMessages', summary: "An inbox's message count", params: { email: EmailParam }, responses: mailsacResponses('CountMessages') })
  async countInbox(@CurrentCaller() caller: Caller, @Param('email') email: string) {
    const inbox = parseEmail(email);
    return { count: await this.mailboxes.countInbox(caller, inbox), inbox };
  }

  @Delete(':email/messages')
  @ApiOperation({ operationId: 'DeleteAllMessages', summary: "Delete an inbox's messages (starred ones kept)", params: { email: EmailParam }, responses: mailsacResponses('DeleteAllMessages') })
  @HttpCode(204)
  async deleteInbox(@CurrentCaller() caller: Caller, @Param('email') email: string): Promise<void> {
    await this.mailboxes.deleteInbox(caller, parseEmail(email));
  }

  @Get(':email/messages/:id')
  @ApiOperation({ operationId: 'GetMessageMetadata', summary: "One message's metadata", params: { email: EmailParam, id: MessageIdParam }, responses: mailsacResponses('GetMessageMetadata'), errors: ['not_found'] })
  async getMessage(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string) {
    return toEmailMessage(await this.mailboxes.getMessage(caller, parseEmail(email), parseMessageId(id)));
  }

  @Delete(':email/messages/:id')
  @ApiOperation({ operationId: 'DeleteMessage', summary: 'Delete one message', params: { email: EmailParam, id: MessageIdParam }, responses: mailsacResponses('DeleteMessage'), errors: ['not_found'] })
  async deleteMessage(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string) {
    const inbox = parseEmail(email);
    const messageId = parseMessageId(id);
    await this.mailboxes.deleteMessage(caller, inbox, messageId);
    return { _id: messageId, inbox, message: 'Message was deleted.' };
  }

  @Get(':email/messages/:id/headers')
  @ApiOperation({ operationId: 'GetHeaders', summary: "A message's headers (JSON, ordered JSON or plain text)", params: { email: EmailParam, id: MessageIdParam }, query: HeadersQuerySchema, responses: mailsacResponses('GetHeaders'), errors: ['not_found'] })
  async getHeaders(
    @CurrentCaller() caller: Caller,
    @Param('email') email: string,
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Res() response: Response,
  ): Promise<void> {
    const { format, download } = parseHeadersQuery(query);
    const messageId = parseMessageId(id);
    const body = await this.mailboxes.getBody(caller, parseEmail(email), messageId);
    const rendered = renderHeaders(body.headers, format);
    if (typeof rendered === 'string') sendDownloadable(response, 'text/plain; charset=utf-8', rendered, download, `${messageId}-headers.txt`);
    else response.json(rendered);
  }

  // Capturebox's own route (Mailsac has none like it): the message's one-time codes and its links.
  @Get(':email/messages/:id/codes')
  @ApiOperation({ operationId: 'GetMessageCodes', summary: "A message's one-time codes (best first) and links (Capturebox's own)", params: { email: EmailParam, id: MessageIdParam }, query: CodesQuerySchema, responses: jsonResponse('The codes and links', MessageCodesSchema), errors: ['not_found'] })
  async getCodes(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    const pattern = parseCodesQuery(query);
    const { message, codes } = await this.mailboxes.getCodes(caller, parseEmail(email), parseMessageId(id), pattern);
    return toMessageCodes(message, codes);
  }

  @Get(':email/messages/:id/attachments')
  @ApiOperation({ operationId: 'ListMessageAttachments', summary: "A message's attachments", params: { email: EmailParam, id: MessageIdParam }, responses: mailsacResponses('ListMessageAttachments'), errors: ['not_found'] })
  async listAttachments(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string) {
    const message = await this.mailboxes.getMessage(caller, parseEmail(email), parseMessageId(id));
    return message.attachments.map(toMailsacAttachmentMeta);
  }

  @Get(':email/messages/:id/attachments/:attachment')
  @ApiOperation({ operationId: 'DownloadAttachment', summary: 'Download one attachment (by md5 or content id)', params: { email: EmailParam, id: MessageIdParam, attachment: AttachmentParam }, responses: mailsacResponses('DownloadAttachment'), errors: ['not_found'] })
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
  @ApiOperation({ operationId: 'ToggleMessageStar', summary: 'Star or unstar a message', params: { email: EmailParam, id: MessageIdParam }, responses: mailsacResponses('ToggleMessageStar'), errors: ['not_found'] })
  async toggleStar(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string) {
    return toEmailMessage(await this.mailboxes.toggleStar(caller, parseEmail(email), parseMessageId(id)));
  }

  @Put(':email/messages/:id/labels/:label')
  @ApiOperation({ operationId: 'AddMessageLabel', summary: 'Add a label', params: { email: EmailParam, id: MessageIdParam, label: LabelParam }, responses: mailsacResponses('AddMessageLabel'), errors: ['not_found'] })
  async addLabel(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string, @Param('label') label: string) {
    const message = await this.mailboxes.addLabel(caller, parseEmail(email), parseMessageId(id), parseLabel(label));
    return { _id: message.id, labels: message.labels };
  }

  @Delete(':email/messages/:id/labels/:label')
  @ApiOperation({ operationId: 'DeleteMessageLabel', summary: 'Remove a label', params: { email: EmailParam, id: MessageIdParam, label: LabelParam }, responses: mailsacResponses('DeleteMessageLabel'), errors: ['not_found'] })
  async removeLabel(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string, @Param('label') label: string) {
    const message = await this.mailboxes.removeLabel(caller, parseEmail(email), parseMessageId(id), parseLabel(label));
    return { _id: message.id, labels: message.labels };
  }

  @Put(':email/messages/:id/folder/:folder')
  @ApiOperation({ operationId: 'SetMessageFolder', summary: 'Move a message to a folder', params: { email: EmailParam, id: MessageIdParam, folder: FolderParam }, responses: mailsacResponses('SetMessageFolder'), errors: ['not_found'] })
  async setFolder(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string, @Param('folder') folder: string) {
    const message = await this.mailboxes.setFolder(caller, parseEmail(email), parseMessageId(id), parseFolder(folder));
    return { _id: message.id, folder: message.folder };
  }

  @Put(':email/messages/:id/read/:read')
  @ApiOperation({ operationId: 'SetMessageReadStatus', summary: 'Mark a message read or unread', params: { email: EmailParam, id: MessageIdParam, read: ReadFlagParam }, responses: mailsacResponses('SetMessageReadStatus'), errors: ['not_found'] })
  async setRead(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string, @Param('read') read: string) {
    const message = await this.mailboxes.setRead(caller, parseEmail(email), parseMessageId(id), parseReadFlag(read));
    return { _id: message.id, read: message.read };
  }
}
