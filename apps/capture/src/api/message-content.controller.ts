// Mailsac's body routes: raw source, plain text, sanitized HTML and unsanitized ("dirty") HTML.
import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { parseEmail, parseMessageId } from './api-input';
import { CurrentCaller, type Caller } from './caller';
import { htmlOrTextAsHtml, plainTextOf, sanitizeHtml } from './html-views';
import { MailboxMessages } from './mailbox-messages.service';
import { sendDownloadable } from './send-body';

@Controller('api')
export class MessageContentController {
  constructor(private readonly mailboxes: MailboxMessages) {}

  @Get('raw/:email/:id')
  async raw(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string, @Query('download') download: string | undefined, @Res() response: Response) {
    const messageId = parseMessageId(id);
    const raw = await this.mailboxes.getRaw(caller, parseEmail(email), messageId);
    // The raw source is bytes of unknown charset: send them as they are.
    sendDownloadable(response, 'text/plain', raw, download, `${messageId}.eml`);
  }

  @Get('text/:email/:id')
  async text(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string, @Query('download') download: string | undefined, @Res() response: Response) {
    const messageId = parseMessageId(id);
    const body = await this.mailboxes.getBody(caller, parseEmail(email), messageId);
    sendDownloadable(response, 'text/plain; charset=utf-8', plainTextOf(body), download, `${messageId}.txt`);
  }

  @Get('body/:email/:id')
  async body(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string, @Query('download') download: string | undefined, @Res() response: Response) {
    const messageId = parseMessageId(id);
    const body = await this.mailboxes.getBody(caller, parseEmail(email), messageId);
    sendDownloadable(response, 'text/html; charset=utf-8', sanitizeHtml(htmlOrTextAsHtml(body)), download, `${messageId}.html`);
  }

  @Get('dirty/:email/:id')
  async dirty(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string, @Query('download') download: string | undefined, @Res() response: Response) {
    const messageId = parseMessageId(id);
    const body = await this.mailboxes.getBody(caller, parseEmail(email), messageId);
    sendDownloadable(response, 'text/html; charset=utf-8', htmlOrTextAsHtml(body), download, `${messageId}.html`);
  }
}
