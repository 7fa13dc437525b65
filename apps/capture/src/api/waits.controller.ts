// Capturebox's own waits: long-polls that answer with the first message matching a filter (200, Mailsac's
// EmailMessage), or 204 No Content when none came before the timeout. Take `GET /api/wait/cursor` before
// triggering the mail and pass it as `since`: a message that lands before the wait starts is found too.
// An inbox wait reads as the inbox's listing does (public, or yours); `GET /api/wait` waits over all of the
// caller's own mail, as `GET /api/inbox` lists it.
import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import { MailboxAccess } from '../access';
import type { SearchScope } from '../store';
import { toEmailMessage } from '../views';
import { bothOf } from '../search';
import { MessageWaits } from '../waiting';
import { ApiOperation, jsonResponse, noContent } from '../openapi';
import { EmailParam, parseEmail, parseWaitQuery, WaitQuerySchema } from './api-input';
import { CurrentCaller, requireAccount, type Caller } from './caller';

const WaitCursorSchema = z.object({ cursor: z.string().meta({ format: 'date-time' }) });
const WAIT_RESPONSES = {
  ...jsonResponse("The first matching message (Mailsac's EmailMessage)", { $ref: '#/components/schemas/EmailMessage' }),
  ...noContent('None came before the timeout'),
};

@Controller('api')
export class WaitsController {
  constructor(
    private readonly access: MailboxAccess,
    private readonly waits: MessageWaits,
  ) {}

  /** The server's clock now: a `since` that no message captured after this call can fall before. */
  @Get('wait/cursor')
  @ApiOperation({ operationId: 'GetWaitCursor', summary: "The server's clock now: pass it as a wait's since (Capturebox's own)", responses: jsonResponse('The cursor', WaitCursorSchema) })
  cursor() {
    return { cursor: new Date().toISOString() };
  }

  @Get('wait')
  @ApiOperation({ operationId: 'WaitForMessage', summary: "Wait for the first matching message in the caller's mail (Capturebox's own)", query: WaitQuerySchema, responses: WAIT_RESPONSES, errors: ['too_many_waits'] })
  async waitInAccount(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>, @Res({ passthrough: true }) response: Response) {
    const account = requireAccount(caller);
    const wait = parseWaitQuery(query);
    return this.answer(await this.access.accountScope(account), wait, response);
  }

  @Get('addresses/:email/wait')
  @ApiOperation({ operationId: 'WaitForInboxMessage', summary: "Wait for the first matching message in an inbox (Capturebox's own)", params: { email: EmailParam }, query: WaitQuerySchema, responses: WAIT_RESPONSES, errors: ['too_many_waits'] })
  async waitInInbox(
    @CurrentCaller() caller: Caller,
    @Param('email') email: string,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) response: Response,
  ) {
    const inbox = parseEmail(email);
    const wait = parseWaitQuery(query);
    return this.answer(await this.access.inboxSearchScope(caller.account, inbox), wait, response);
  }

  private async answer(scope: SearchScope | null, wait: ReturnType<typeof parseWaitQuery>, response: Response) {
    // The response's close before it finished is the client going away: the wait ends with it.
    const gone = new AbortController();
    response.on('close', () => gone.abort());
    const found = await this.waits.waitFor({
      scope,
      filter: bothOf({ since: wait.since, allOf: wait.allOf }, wait.search ?? {}),
      bodyContains: wait.bodyContains,
      timeoutMs: wait.timeoutMs,
      signal: gone.signal,
    });
    if (!found) {
      response.status(204);
      return undefined;
    }
    return toEmailMessage(found);
  }
}
