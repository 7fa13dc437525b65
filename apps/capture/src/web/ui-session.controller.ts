// POST /ui/session turns the API key the reader signed in with into the UI session cookie (see
// ui-caller.ts); DELETE /ui/session signs the browser out again. The key itself is checked by the app's
// global CallerGuard and again here.
import { Controller, Delete, HttpCode, Post, Req, Res, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AccountsService } from '../accounts';
import { ApiOperation, noContent } from '../openapi';
import { clearUiSessionCookie, setUiSessionCookie } from './ui-caller';

@Controller('ui/session')
export class UiSessionController {
  constructor(private readonly accounts: AccountsService) {}

  /** Needs the key in the `Mailsac-Key` header: a key in a form or query would end up in logs and history. */
  @Post()
  @ApiOperation({ operationId: 'UiSignIn', summary: "Sign the web UI in: the Mailsac-Key header's key becomes an HttpOnly cookie for /ui/ routes", responses: noContent('Signed in (Set-Cookie)') })
  @HttpCode(204)
  async signIn(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    const key = request.headers['mailsac-key'];
    if (typeof key !== 'string' || key === '' || !(await this.accounts.findByApiKey(key))) {
      throw new UnauthorizedException('A valid API key is required in the Mailsac-Key header.');
    }
    setUiSessionCookie(response, key, request.secure);
  }

  @Delete()
  @ApiOperation({ operationId: 'UiSignOut', summary: 'Sign the web UI out (clears the cookie)', responses: noContent('Signed out') })
  @HttpCode(204)
  signOut(@Req() request: Request, @Res({ passthrough: true }) response: Response): void {
    clearUiSessionCookie(response, request.secure);
  }
}
