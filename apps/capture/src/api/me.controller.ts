import { Controller, Get } from '@nestjs/common';
import { CurrentCaller, requireAccount, type Caller } from './caller';

@Controller('api/me')
export class MeController {
  /** Mailsac's CurrentUserInfo for the caller's account. */
  @Get()
  me(@CurrentCaller() caller: Caller) {
    const account = requireAccount(caller);
    return { _id: account.username, capturePrivate: account.capturePrivate, messageLimit: account.messageLimit };
  }
}
