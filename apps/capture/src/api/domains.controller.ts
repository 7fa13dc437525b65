// Mailsac's custom domains: every address in a domain the account owns is private to it.
// Domains are assigned to accounts through the admin API (or the CLI); accounts read them here.
import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { AccountsService, type Account } from '../accounts';
import { isValidDomain, normalizeDomain } from '../domain';
import { badRequest, notFound } from './api-errors';
import { parseListQuery } from './api-input';
import { toDomain } from './address-views';
import { CurrentCaller, requireAccount, type Caller } from './caller';
import { toEmailMessage } from '../views';
import { MailboxAccess } from '../access';

function parseDomain(value: string): string {
  const domain = normalizeDomain(value);
  if (!isValidDomain(domain)) throw badRequest(`Invalid domain: ${value.slice(0, 80)}`);
  return domain;
}

@Controller('api/domains')
export class DomainsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly access: MailboxAccess,
  ) {}

  @Get()
  async list(@CurrentCaller() caller: Caller) {
    const account = requireAccount(caller);
    return (await this.accounts.listDomains(account.id)).map(toDomain);
  }

  @Get(':domain')
  async get(@CurrentCaller() caller: Caller, @Param('domain') domainParam: string) {
    const domain = await this.ownedDomain(requireAccount(caller), parseDomain(domainParam));
    return { domain: toDomain(domain), totalMessages: await this.access.countDomain(requireAccount(caller), domain.domain) };
  }

  @Get(':domain/messages')
  async messages(@CurrentCaller() caller: Caller, @Param('domain') domainParam: string, @Query() query: Record<string, unknown>) {
    const account = requireAccount(caller);
    const domain = await this.ownedDomain(account, parseDomain(domainParam));
    return (await this.access.listDomain(account, domain.domain, parseListQuery(query))).map(toEmailMessage);
  }

  @Post(':domain/delete-all-domain-mail')
  @HttpCode(204)
  async deleteAll(@CurrentCaller() caller: Caller, @Param('domain') domainParam: string): Promise<void> {
    const account = requireAccount(caller);
    const domain = await this.ownedDomain(account, parseDomain(domainParam));
    await this.access.deleteDomainMail(account, domain.domain);
  }

  /** The caller's own domain (or any, for an admin); someone else's domain does not exist. */
  private async ownedDomain(account: Account, name: string) {
    const domain = await this.accounts.getDomain(name);
    if (!domain || (domain.ownerId !== account.id && !account.isAdmin)) throw notFound('Domain not found.');
    return domain;
  }
}
