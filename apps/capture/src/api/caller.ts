// Who is calling the API: the account behind a `Mailsac-Key` header or `_mailsacKey` query parameter,
// or nobody. A key that matches no account is refused outright (401) rather than treated as anonymous,
// so a typo never silently shows less mail.
import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ApiKeyCallers, presentedApiKey, type Account } from '../accounts';
import { unauthorized } from './api-errors';

export interface Caller {
  account: Account | null;
}

type RequestWithCaller = Request & { caller?: Caller };

/** Global guard: resolves the caller once per request; unknown keys from one client are slowed down. */
@Injectable()
export class CallerGuard implements CanActivate {
  constructor(private readonly callers: ApiKeyCallers) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    request.caller = { account: await this.callers.accountOf(presentedApiKey(request), request.socket.remoteAddress ?? 'unknown') };
    return true;
  }
}

export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  return context.switchToHttp().getRequest<RequestWithCaller>().caller ?? { account: null };
});

/** The caller's account, or 401 for anonymous callers. */
export function requireAccount(caller: Caller): Account {
  if (!caller.account) throw unauthorized();
  return caller.account;
}
