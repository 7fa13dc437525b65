// GET /ui/events/inbox/:email: the live inbox as Server-Sent Events (`event: captured`, data
// `{ _id, inbox, received }`); the UI then reads the message through the REST API.
import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MailboxAccess } from '../access';
import { AccountsService } from '../accounts';
import { InboxEventStreams } from './inbox-event-streams';
import { resolveUiAccount } from './ui-caller';
import { ApiOperation, contentResponse } from '../openapi';
import { InboxParam, parseInbox } from './ui-input';

@Controller('ui/events')
export class InboxEventsController {
  constructor(
    private readonly streams: InboxEventStreams,
    private readonly accounts: AccountsService,
    private readonly access: MailboxAccess,
  ) {}

  @Get('inbox/:email')
  @ApiOperation({ operationId: 'UiInboxEvents', summary: "The web UI's live inbox: Server-Sent Events, one `captured` event per new message (UI cookie or key)", params: { email: InboxParam }, responses: contentResponse('An endless event stream', 'text/event-stream') })
  async streamInbox(@Param('email') email: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const inbox = parseInbox(email);
    const account = await resolveUiAccount(request, this.accounts);
    // Refused (401) only when anonymous reading is off for everyone: a private inbox the reader may not
    // see is an open stream that never shows a message, exactly like an empty public one.
    const visible = await this.access.watchRule(account, inbox);
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    // Tell nginx-style proxies not to buffer the stream.
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    request.socket.setNoDelay(true);
    const close = this.streams.openStream(inbox, visible, { write: (chunk) => response.write(chunk), end: () => response.end() });
    request.on('close', close);
  }
}
