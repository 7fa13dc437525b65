// Mailsac's email validation: is an address well formed, and is its domain a known disposable one. Nothing
// here queries DNS, so the fields Mailsac fills from DNS (`aliases`; `disposableDomains` beyond the listed
// domain itself) stay empty.
//
// Besides Mailsac's fields, `owned` says whether an account here owns the address (a reserved private
// address, or any address of a custom domain): exactly what the anonymous availability route already tells
// anyone, and never whose it is or which kind. `ownedByCaller` says whether it is the caller's own.
import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { AccountsService, type Account } from '../accounts';
import { domainOf, inboxOf, isValidMailbox } from '../domain';
import { ApiOperation, mailsacResponses } from '../openapi';
import { stringListBody } from './api-input';
import { CurrentCaller, requireAccount, type Caller } from './caller';
import { disposableDomains } from './disposable-domains';

/** Mailsac's bulk validation takes at most this many addresses per request. */
const BulkValidations = stringListBody('emails', 50);

/** Any text: a malformed address is an answer (`validFormat: false`), not an error. */
const AnyAddressParam = z.string().meta({ description: 'An email address, well formed or not' });

@Controller('api/validations/addresses')
export class ValidationsController {
  constructor(private readonly accounts: AccountsService) {}

  @Get(':email')
  @ApiOperation({ operationId: 'ValidateAddress', summary: 'Is an address well formed, and is its domain disposable', params: { email: AnyAddressParam }, responses: mailsacResponses('ValidateAddress') })
  async validateOne(@CurrentCaller() caller: Caller, @Param('email') email: string) {
    return this.integrityOf(requireAccount(caller), email);
  }

  @Post()
  @ApiOperation({ operationId: 'ValidateAddressesBulk', summary: 'Validate up to 50 addresses', body: BulkValidations.schema, responses: mailsacResponses('ValidateAddressesBulk') })
  @HttpCode(200)
  async validateMany(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    const account = requireAccount(caller);
    const emails = BulkValidations.parse(body);
    return Promise.all(emails.map((email) => this.integrityOf(account, email)));
  }

  /** Mailsac's EmailAddressIntegrity, plus `owned` and `ownedByCaller`. A malformed address is an answer, not an error. */
  private async integrityOf(account: Account, email: string) {
    const given = email.trim();
    if (!isValidMailbox(given)) return { email: given, validFormat: false, isDisposable: false, disposableDomains: [], aliases: [] };
    const inbox = inboxOf(given);
    const domain = domainOf(inbox);
    const disposable = disposableDomains().match(domain);
    const owner = await this.accounts.ownerOfInbox(inbox);
    return {
      email: given,
      validFormat: true,
      local: inbox.slice(0, inbox.lastIndexOf('@')),
      domain,
      isDisposable: disposable !== null,
      disposableDomains: disposable ? [disposable] : [],
      aliases: [],
      owned: owner !== null,
      ownedByCaller: owner === account.id,
    };
  }
}
