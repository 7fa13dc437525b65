// Mailsac's body routes: raw source, plain text, sanitized HTML and unsanitized ("dirty") HTML.
import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOperation, mailsacResponses } from '../openapi';
import { DownloadQuerySchema, EmailParam, MessageIdParam, parseEmail, parseMessageId } from './api-input';
import { CurrentCaller, type Caller } from './caller';
import { htmlOrTextAsHtml, plainTextOf, sanitizeHtml } from './html-views';
import { MailboxMessages } from './mailbox-messages.service';
import { sendDownloadable } from './send-body';

@Controller('api')
export class MessageContentController {
  constructor(private readonly mailboxes: MailboxMessages) {}

  @Get('raw/:email/:id')
  @ApiOperation({ operationId: 'GetFullRawMessage', summary: 'The raw source: our Received: line, then the DATA as sent', params: { email: EmailParam, id: MessageIdParam }, query: DownloadQuerySchema, responses: mailsacResponses('GetFullRawMessage'), errors: ['not_found'] })
  async raw(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string, @Query('download') download: string | undefined, @Res() response: Response) {
    const messageId = parseMessageId(id);
    const raw = await this.mailboxes.getRaw(caller, parseEmail(email), messageId);
    // The raw source is bytes of unknown charset: send them as they are.
    sendDownloadable(response, 'text/plain', raw, download, `${messageId}.eml`);
  }

  @Get('text/:email/:id')
  @ApiOperation({ operationId: 'GetBodyPlainText', summary: 'The plain-text body', params: { email: EmailParam, id: MessageIdParam }, query: DownloadQuerySchema, responses: mailsacResponses('GetBodyPlainText'), errors: ['not_found'] })
  async text(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string, @Query('download') download: string | undefined, @Res() response: Response) {
    const messageId = parseMessageId(id);
    const body = await this.mailboxes.getBody(caller, parseEmail(email), messageId);
    sendDownloadable(response, 'text/plain; charset=utf-8', plainTextOf(body), download, `${messageId}.txt`);
  }

  @Get('body/:email/:id')
  @ApiOperation({ operationId: 'GetBodySanitized', summary: 'The sanitized HTML body', params: { email: EmailParam, id: MessageIdParam }, query: DownloadQuerySchema, responses: mailsacResponses('GetBodySanitized'), errors: ['not_found'] })
  async body(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string, @Query('download') download: string | undefined, @Res() response: Response) {
    const messageId = parseMessageId(id);
    const body = await this.mailboxes.getBody(caller, parseEmail(email), messageId);
    sendDownloadable(response, 'text/html; charset=utf-8', sanitizeHtml(htmlOrTextAsHtml(body)), download, `${messageId}.html`);
  }

  @Get('dirty/:email/:id')
  @ApiOperation({ operationId: 'GetBodyDirty', summary: 'The HTML body as sent', params: { email: EmailParam, id: MessageIdParam }, query: DownloadQuerySchema, responses: mailsacResponses('GetBodyDirty'), errors: ['not_found'] })
  async dirty(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string, @Query('download') download: string | undefined, @Res() response: Response) {
    const messageId = parseMessageId(id);
    const body = await this.mailboxes.getBody(caller, parseEmail(email), messageId);
    sendDownloadable(response, 'text/html; charset=utf-8', htmlOrTextAsHtml(body), download, `${messageId}.html`);
  }
}
