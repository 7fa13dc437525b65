// Mailsac's custom domains: every address in a domain the account owns is private to it.
// Domains are assigned to accounts through the admin API (or the CLI); accounts read them here.
import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { AccountsService, type Account } from '../accounts';
import { isValidDomain, normalizeDomain } from '../domain';
import { notFound } from './api-errors';
import { ApiOperation, mailsacResponses } from '../openapi';
import { ListQuerySchema, parseListQuery, parseParam } from './api-input';
import { toDomain } from './address-views';
import { CurrentCaller, requireAccount, type Caller } from './caller';
import { toEmailMessage } from '../views';
import { MailboxAccess } from '../access';

const DomainParam = z
  .string()
  .refine((value) => isValidDomain(normalizeDomain(value)), { error: (issue) => `Invalid domain: ${String(issue.input).slice(0, 80)}` })
  .transform(normalizeDomain)
  .meta({ description: 'A domain name' });

const parseDomain = (value: string): string => parseParam(DomainParam, value);

@Controller('api/domains')
export class DomainsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly access: MailboxAccess,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'ListDomains', summary: "The caller's custom domains", responses: mailsacResponses('ListDomains') })
  async list(@CurrentCaller() caller: Caller) {
    const account = requireAccount(caller);
    return (await this.accounts.listDomains(account.id)).map(toDomain);
  }

  @Get(':domain')
  @ApiOperation({ operationId: 'GetDomain', summary: 'One of the caller\'s domains and its message count', params: { domain: DomainParam }, responses: mailsacResponses('GetDomain'), errors: ['not_found'] })
  async get(@CurrentCaller() caller: Caller, @Param('domain') domainParam: string) {
    const domain = await this.ownedDomain(requireAccount(caller), parseDomain(domainParam));
    return { domain: toDomain(domain), totalMessages: await this.access.countDomain(requireAccount(caller), domain.domain) };
  }

  @Get(':domain/messages')
  @ApiOperation({ operationId: 'ListDomainMessages', summary: "A domain's messages, newest first", params: { domain: DomainParam }, query: ListQuerySchema, responses: mailsacResponses('ListDomainMessages'), errors: ['not_found'] })
  async messages(@CurrentCaller() caller: Caller, @Param('domain') domainParam: string, @Query() query: Record<string, unknown>) {
    const account = requireAccount(caller);
    const domain = await this.ownedDomain(account, parseDomain(domainParam));
    return (await this.access.listDomain(account, domain.domain, parseListQuery(query))).map(toEmailMessage);
  }

  @Post(':domain/delete-all-domain-mail')
  @ApiOperation({ operationId: 'DeleteAllDomainMessages', summary: "Delete a domain's messages (starred ones kept)", params: { domain: DomainParam }, responses: mailsacResponses('DeleteAllDomainMessages'), errors: ['not_found'] })
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
