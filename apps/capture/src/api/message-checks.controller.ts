// Capturebox's own checks of one message (Mailsac has none like them): SpamAssassin's verdict, recorded after
// capture; the HTML features mail clients lack, found at read time; and its links' status, requested now.
// Every read goes through MailboxMessages, so what a caller may not read it may not check either.
import { Controller, Get, Param } from '@nestjs/common';
import { checkHtml, LinkChecker } from '../checks';
import { ApiOperation, jsonResponse } from '../openapi';
import { HtmlCheckSchema, LinkCheckSchema, SpamCheckSchema, toHtmlCheck, toLinkCheck, toSpamCheck } from '../views';
import { EmailParam, MessageIdParam, parseEmail, parseMessageId } from './api-input';
import { CurrentCaller, type Caller } from './caller';
import { MailboxMessages } from './mailbox-messages.service';

@Controller('api/addresses')
export class MessageChecksController {
  constructor(
    private readonly mailboxes: MailboxMessages,
    private readonly links: LinkChecker,
  ) {}

  @Get(':email/messages/:id/checks/spam')
  @ApiOperation({ operationId: 'GetMessageSpamCheck', summary: "SpamAssassin's verdict on a message: score, threshold, rules that fired (not scored without spamd) (Capturebox's own)", params: { email: EmailParam, id: MessageIdParam }, responses: jsonResponse('The spam verdict', SpamCheckSchema), errors: ['not_found'] })
  async spam(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string) {
    return toSpamCheck(await this.mailboxes.getMessage(caller, parseEmail(email), parseMessageId(id)));
  }

  @Get(':email/messages/:id/checks/html')
  @ApiOperation({ operationId: 'GetMessageHtmlCheck', summary: "The HTML and CSS features of a message that mail clients do not support, or in part (caniemail's data) (Capturebox's own)", params: { email: EmailParam, id: MessageIdParam }, responses: jsonResponse('The features and the clients that lack them', HtmlCheckSchema), errors: ['not_found'] })
  async html(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string) {
    const [inbox, messageId] = [parseEmail(email), parseMessageId(id)];
    const message = await this.mailboxes.getMessage(caller, inbox, messageId);
    const { html } = await this.mailboxes.getBody(caller, inbox, messageId);
    return toHtmlCheck(message, checkHtml(html));
  }

  @Get(':email/messages/:id/checks/links')
  @ApiOperation({ operationId: 'GetMessageLinkCheck', summary: "The status of a message's links, requested now: only hosts in CAPTUREBOX_LINK_CHECK_HOSTS (Capturebox's own)", params: { email: EmailParam, id: MessageIdParam }, responses: jsonResponse('Each link and what it answered', LinkCheckSchema), errors: ['not_found'] })
  async checkLinks(@CurrentCaller() caller: Caller, @Param('email') email: string, @Param('id') id: string) {
    const message = await this.mailboxes.getMessage(caller, parseEmail(email), parseMessageId(id));
    return toLinkCheck(message, await this.links.check(message.links));
  }
}
