// Who is calling the API: the account behind a `Mailsac-Key` header or `_mailsacKey` query parameter,
// or nobody. A key that matches no account is refused outright (401) rather than treated as anonymous,
// so a typo never silently shows less mail.
import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { AccountsService, FailureThrottle, presentedApiKey, sleep, type Account } from '../accounts';
import { unauthorized } from './api-errors';

export interface Caller {
  account: Account | null;
}

type RequestWithCaller = Request & { caller?: Caller };

/** Global guard: resolves the caller once per request; unknown keys from one client are slowed down. */
@Injectable()
export class CallerGuard implements CanActivate {
  private readonly failures = new FailureThrottle();

  constructor(private readonly accounts: AccountsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    const key = presentedApiKey(request);
    if (key === undefined) {
      request.caller = { account: null };
      return true;
    }
    const client = request.socket.remoteAddress ?? 'unknown';
    const account = await this.accounts.findByApiKey(key);
    if (!account) {
      await sleep(this.failures.recordFailure(client));
      throw unauthorized('Unknown API key.');
    }
    this.failures.recordSuccess(client);
    request.caller = { account };
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
