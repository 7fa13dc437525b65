// Who a presented API key belongs to, for every door that takes one (the REST API's guard, the WebSocket).
// A key that matches no account is refused, never taken as anonymous, so a typo never silently shows less
// mail; and failed attempts from one client are slowed down, counted together whichever door they try.
import { Injectable } from '@nestjs/common';
import type { Account } from './account';
import { AccountsService } from './accounts.service';
import { FailureThrottle, sleep } from './failure-throttle';

export class UnknownApiKey extends Error {
  readonly failure = 'auth_required';
  override name = 'UnknownApiKey';
  constructor() {
    super('Unknown API key.');
  }
}

@Injectable()
export class ApiKeyCallers {
  private readonly failures = new FailureThrottle();

  constructor(private readonly accounts: AccountsService) {}

  /** The key's account; null when no key was presented; UnknownApiKey (after the throttle's delay) for a bad one. */
  async accountOf(key: string | undefined, client: string): Promise<Account | null> {
    if (key === undefined) return null;
    const account = await this.accounts.findByApiKey(key);
    if (!account) {
      await sleep(this.failures.recordFailure(client));
      throw new UnknownApiKey();
    }
    this.failures.recordSuccess(client);
    return account;
  }
}
