// Mailsac's private addresses: reserve an address so that its mail is readable only with your key.
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { z } from 'zod';
import { AccountsService, AccountWebhooks, type PrivateAddress } from '../accounts';
import { domainOf, inboxOf } from '../domain';
import { MailboxMessages } from './mailbox-messages.service';
import { ApiError, badRequest } from './api-errors';
import { ApiOperation, jsonResponse, mailsacResponses } from '../openapi';
import { EmailParam, parseBody, parseEmail, stringListBody } from './api-input';
import { toEmailAddress, toImplicitAddress } from './address-views';
import { CurrentCaller, requireAccount, type Caller } from './caller';

const AddressSettings = z
  .object({
    info: z.string().max(1000).optional(),
    // Capturebox never delivers mail, so forwarding cannot be switched on; empty values are accepted
    // because Mailsac clients send them to mean "off". `webhook` is Mailsac's per-address webhook URL.
    forward: z.union([z.literal(''), z.null()]).optional(),
    webhook: z.union([z.string().max(2048), z.null()]).optional(),
    webhookSlack: z.union([z.literal(''), z.null()]).optional(),
    webhookSlackToFrom: z.boolean().optional(),
    enablews: z.literal(false).optional(),
  })
  .strict();

/** `webhook`: undefined leaves the address's webhook as it is, '' removes it, a URL sets it. */
function parseSettings(body: unknown): { info?: string; webhook?: string } {
  const { info, webhook } = parseBody(AddressSettings, body, 'Invalid address settings (Capturebox never forwards mail)');
  return { info, webhook: webhook === null ? '' : webhook };
}

const ReleasedView = z.object({ _id: z.string(), released: z.literal(true), deletedMessages: z.number().int().min(0) });

const ownedByAnother = () => new ApiError('auth_required', 'The address is owned by another account.');

/** Mailsac's bulk reservation takes at most 100 addresses per request. */
const BulkAddresses = stringListBody('addresses', 100);

const ReleaseQuerySchema = z.object({ deleteAddressMessages: z.string().optional().meta({ description: '`false` keeps the mail (it becomes public)' }) });

/** Reserves all or none (AccountsService.reserveAddresses), refusing as the single reservation does. */
async function reserveAll(accounts: AccountsService, accountId: string, addresses: string[], info = ''): Promise<PrivateAddress[]> {
  const result = await accounts.reserveAddresses(accountId, addresses, info);
  if ('reserved' in result) return result.reserved;
  if (result.reason === 'already-yours') throw badRequest(`The address is already reserved by this account: ${result.refused}`);
  throw ownedByAnother();
}

@Controller('api/addresses')
export class AddressesController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly mailboxes: MailboxMessages,
    private readonly webhooks: AccountWebhooks,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'ListAddresses', summary: "The caller's private addresses", responses: mailsacResponses('ListAddresses') })
  async list(@CurrentCaller() caller: Caller) {
    const account = requireAccount(caller);
    return Promise.all((await this.accounts.listAddresses(account.id)).map((address) => this.view(address)));
  }

  /** Mailsac's EmailAddress, with its webhook URL when it has one. */
  private async view(address: PrivateAddress) {
    const webhook = await this.webhooks.addressWebhookUrl(address.ownerId, address.address);
    return { ...toEmailAddress(address), ...(webhook ? { webhook } : {}) };
  }

  @Get(':email/availability')
  @ApiOperation({ operationId: 'CheckAvailability', summary: 'Whether an address can be reserved (no key needed)', params: { email: EmailParam }, responses: mailsacResponses('CheckAvailability') })
  async availability(@Param('email') email: string) {
    const address = inboxOf(parseEmail(email));
    const owned = (await this.accounts.ownerOfInbox(address)) !== null;
    return { email: address, available: !owned, owned };
  }

  @Get(':email')
  @ApiOperation({ operationId: 'GetAddress', summary: 'One address: reserved, in a custom domain, or nobody\'s', params: { email: EmailParam }, responses: mailsacResponses('GetAddress') })
  async get(@CurrentCaller() caller: Caller, @Param('email') email: string) {
    const account = requireAccount(caller);
    const address = inboxOf(parseEmail(email));
    const reserved = await this.accounts.getAddress(address);
    if (reserved) {
      if (reserved.ownerId !== account.id && !account.isAdmin) throw ownedByAnother();
      return this.view(reserved);
    }
    const domain = await this.accounts.getDomain(domainOf(address));
    if (domain) {
      if (domain.ownerId !== account.id && !account.isAdmin) throw ownedByAnother();
      return toImplicitAddress(address, domain);
    }
    // Not owned by anyone: Mailsac answers with the bare address and no owner.
    return { _id: address };
  }

  @Post(':email')
  @ApiOperation({ operationId: 'CreateAddress', summary: 'Reserve a private address', params: { email: EmailParam }, body: AddressSettings, responses: mailsacResponses('CreateAddress') })
  @HttpCode(200)
  async reserve(@CurrentCaller() caller: Caller, @Param('email') email: string, @Body() body: unknown) {
    const account = requireAccount(caller);
    const { info, webhook } = parseSettings(body);
    const [reserved] = await reserveAll(this.accounts, account.id, [parseEmail(email)], info);
    if (webhook) await this.webhooks.setAddressWebhook(account.id, reserved.address, webhook);
    return this.view(reserved);
  }

  @Put(':email')
  @ApiOperation({ operationId: 'UpdateAddress', summary: "Change a reserved address's settings", params: { email: EmailParam }, body: AddressSettings, responses: jsonResponse("The address (Mailsac documents no body)", { $ref: '#/components/schemas/EmailAddress' }) })
  async update(@CurrentCaller() caller: Caller, @Param('email') email: string, @Body() body: unknown) {
    const account = requireAccount(caller);
    const address = inboxOf(parseEmail(email));
    const { info, webhook } = parseSettings(body);
    const updated = await this.accounts.updateAddress(account.id, address, info ?? '');
    if (!updated) throw (await this.accounts.getAddress(address)) ? ownedByAnother() : badRequest('The address is not reserved by this account.');
    if (webhook !== undefined) await this.webhooks.setAddressWebhook(account.id, address, webhook);
    return this.view(updated);
  }

  @Delete(':email')
  @ApiOperation({ operationId: 'DeleteAddress', summary: 'Release a reserved address (its mail goes with it unless deleteAddressMessages=false)', params: { email: EmailParam }, query: ReleaseQuerySchema, responses: jsonResponse('Released (Mailsac documents no body)', ReleasedView) })
  @HttpCode(200)
  async release(@CurrentCaller() caller: Caller, @Param('email') email: string, @Query('deleteAddressMessages') deleteMessages: string | undefined) {
    const account = requireAccount(caller);
    const address = inboxOf(parseEmail(email));
    const reserved = await this.accounts.getAddress(address);
    if (!reserved) throw badRequest('The address is not reserved by this account.');
    if (reserved.ownerId !== account.id) throw ownedByAnother();
    // Unlike Mailsac, the mail goes with the address unless `deleteAddressMessages=false` is asked for:
    // kept mail would become public the moment the address is released. It is deleted first, while the
    // inbox is still private, so it is never readable by others. Starred mail stays (it is the account's).
    const deleted = deleteMessages === 'false' ? 0 : await this.mailboxes.deleteInbox(caller, address);
    await this.accounts.releaseAddress(account.id, address);
    return { _id: address, released: true, deletedMessages: deleted } satisfies z.infer<typeof ReleasedView>;
  }
}

/**
 * Mailsac's `POST /api/private-addresses-bulk`: up to 100 addresses at once, all or none. Mailsac documents
 * no partial result (and refuses the whole request when credits run short), so one address that cannot be
 * reserved (already the caller's, another account's, or in another account's domain) refuses the request
 * and nothing is reserved: a caller never has to find out which of its addresses went through.
 */
@Controller('api/private-addresses-bulk')
export class PrivateAddressesBulkController {
  constructor(private readonly accounts: AccountsService) {}

  @Post()
  @ApiOperation({ operationId: 'CreateAddresses', summary: 'Reserve up to 100 addresses, all or none', body: BulkAddresses.schema, responses: mailsacResponses('CreateAddresses') })
  @HttpCode(200)
  async reserveMany(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    const account = requireAccount(caller);
    const addresses = BulkAddresses.parse(body).map(parseEmail);
    if (new Set(addresses.map(inboxOf)).size !== addresses.length) throw badRequest('An address is listed twice.');
    return (await reserveAll(this.accounts, account.id, addresses)).map(toEmailAddress);
  }
}
