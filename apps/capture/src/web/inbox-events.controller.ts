// GET /ui/events/inbox/:email: the live inbox as Server-Sent Events (`event: captured`, data
// `{ _id, inbox, received }`); the UI then reads the message through the REST API.
import { Controller, Get, Inject, Param, Req, Res, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AccountsService, mayReadInboxes } from '../accounts';
import { CONFIG, type CaptureboxConfig } from '../config';
import { InboxEventStreams } from './inbox-event-streams';
import { resolveUiAccount } from './ui-caller';
import { parseInbox } from './ui-input';

@Controller('ui/events')
export class InboxEventsController {
  constructor(
    private readonly streams: InboxEventStreams,
    private readonly accounts: AccountsService,
    @Inject(CONFIG) private readonly config: CaptureboxConfig,
  ) {}

  @Get('inbox/:email')
  async streamInbox(@Param('email') email: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const inbox = parseInbox(email);
    const account = await resolveUiAccount(request, this.accounts);
    const owner = await this.accounts.ownerOfInbox(inbox);
    // Refused only when nobody anonymous may read anything: a private inbox the caller may not read is an
    // open stream that never shows a message, exactly like an empty public one.
    if (!mayReadInboxes(account, this.config.publicInboxes)) throw new UnauthorizedException('Sign in to read this inbox.');
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    // Tell nginx-style proxies not to buffer the stream.
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    request.socket.setNoDelay(true);
    const close = this.streams.openStream(inbox, account, owner, { write: (chunk) => response.write(chunk), end: () => response.end() });
    request.on('close', close);
  }
}
