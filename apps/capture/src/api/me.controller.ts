import { Controller, Get, Inject } from '@nestjs/common';
import { AccountsService } from '../accounts';
import { ApiOperation, mailsacResponses } from '../openapi';
import { MESSAGE_STORE, type MessageStore } from '../store';
import { CurrentCaller, requireAccount, type Caller } from './caller';

@Controller('api/me')
export class MeController {
  constructor(
    private readonly accounts: AccountsService,
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
  ) {}

  /** Mailsac's CurrentUserInfo for the caller's account. */
  @Get()
  @ApiOperation({ operationId: 'User', summary: "The caller's account", responses: mailsacResponses('User') })
  async me(@CurrentCaller() caller: Caller) {
    const account = requireAccount(caller);
    return {
      _id: account.username,
      capturePrivate: account.capturePrivate,
      messageLimit: account.messageLimit,
      moAPICount: await this.accounts.operations(account.id),
      // Capturebox extensions, for clients that need the id `savedBy` refers to.
      accountId: account.id,
      isAdmin: account.isAdmin,
    };
  }

  /** Mailsac's CurrentUserStats: owned addresses and domains, starred and stored mail, bytes, ops. */
  @Get('stats')
  @ApiOperation({ operationId: 'AccountStats', summary: "The caller's addresses, domains, stored mail and operations", responses: mailsacResponses('AccountStats') })
  async stats(@CurrentCaller() caller: Caller) {
    const account = requireAccount(caller);
    const scope = await this.accounts.ownedScope(account.id);
    const lastMonth = new Date();
    lastMonth.setUTCDate(1);
    lastMonth.setUTCMonth(lastMonth.getUTCMonth() - 1);
    const [usage, thisMonthOps, lastMonthOps] = await Promise.all([
      this.store.usage({ accountId: account.id, inboxes: scope.addresses, domains: scope.domains }),
      this.accounts.operations(account.id),
      this.accounts.operations(account.id, lastMonth),
    ]);
    return {
      addresses: scope.addresses,
      domains: scope.domains,
      starredMessages: usage.starred,
      storedMessages: usage.stored,
      inboxBytes: usage.bytes,
      lastMonthOps,
      // Capturebox extensions: this month's operations and what counts toward messageLimit.
      thisMonthOps,
      privateMessages: usage.private,
      messageLimit: account.messageLimit,
    };
  }
}
