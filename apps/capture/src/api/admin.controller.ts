// The admin API (admin keys only): accounts, their API keys and custom domains. Every new key is in the
// response once and never again.
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { z } from 'zod';
import { AccountsService, type Account } from '../accounts';
import { normalizeDomain } from '../domain';
import { ApiError, notFound } from './api-errors';
import { KeyIdParam, KeyView, NewKey, NewKeyView, RevokedKeyView } from './api-key-views';
import { parseBody } from './api-input';
import { CurrentCaller, requireAccount, type Caller } from './caller';
import { ApiOperation, jsonResponse } from '../openapi';

const NewAccount = z.object({ username: z.string(), capturePrivate: z.boolean().optional(), messageLimit: z.number().int().min(0).optional(), isAdmin: z.boolean().optional() }).strict();
const AccountSettings = z.object({ capturePrivate: z.boolean().optional(), messageLimit: z.number().int().min(0).optional(), isAdmin: z.boolean().optional() }).strict();
const NewDomain = z.object({ domain: z.string() }).strict();

// Path parameters are looked up as given: an unknown one is a 404.
const AccountParam = z.string().meta({ description: "An account's id or username" });
const DomainNameParam = z.string().meta({ description: 'A domain name' });

const AccountView = z.object({ _id: z.string(), username: z.string(), isAdmin: z.boolean(), capturePrivate: z.boolean(), messageLimit: z.number().int() });
const NewAccountView = z.object({ account: AccountView, apiKey: z.string(), keyId: z.string() });
const AccountDetailView = AccountView.extend({
  keys: z.array(KeyView),
  domains: z.array(z.string()),
});

function view(account: Account): z.infer<typeof AccountView> {
  return { _id: account.id, username: account.username, isAdmin: account.isAdmin, capturePrivate: account.capturePrivate, messageLimit: account.messageLimit };
}

@Controller('api/admin')
export class AdminController {
  constructor(private readonly accounts: AccountsService) {}

  @Get('accounts')
  @ApiOperation({ operationId: 'AdminListAccounts', summary: 'Every account', responses: jsonResponse('The accounts', z.array(AccountView)), errors: ['forbidden'] })
  async list(@CurrentCaller() caller: Caller) {
    requireAdmin(caller);
    return (await this.accounts.listAccounts()).map(view);
  }

  @Post('accounts')
  @ApiOperation({ operationId: 'AdminCreateAccount', summary: 'Create an account and its first API key (shown once)', body: NewAccount, responses: jsonResponse('The account and its key', NewAccountView, 201), errors: ['forbidden', 'conflict'] })
  async create(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    requireAdmin(caller);
    const input = parseBody(NewAccount, body);
    const { account, key } = await this.accounts.createAccount(input.username, input);
    return { account: view(account), apiKey: key.apiKey, keyId: key.id };
  }

  @Get('accounts/:account')
  @ApiOperation({ operationId: 'AdminGetAccount', summary: 'One account, its keys and domains', params: { account: AccountParam }, responses: jsonResponse('The account', AccountDetailView), errors: ['forbidden', 'not_found'] })
  async get(@CurrentCaller() caller: Caller, @Param('account') idOrName: string) {
    requireAdmin(caller);
    const account = await this.found(idOrName);
    return { ...view(account), keys: await this.accounts.listApiKeys(account.id), domains: (await this.accounts.listDomains(account.id)).map((d) => d.domain) };
  }

  @Put('accounts/:account')
  @ApiOperation({ operationId: 'AdminUpdateAccount', summary: "Change an account's settings", params: { account: AccountParam }, body: AccountSettings, responses: jsonResponse('The account', AccountView), errors: ['forbidden', 'not_found'] })
  async update(@CurrentCaller() caller: Caller, @Param('account') idOrName: string, @Body() body: unknown) {
    requireAdmin(caller);
    const account = await this.found(idOrName);
    const updated = await this.accounts.updateAccount(account.id, parseBody(AccountSettings, body));
    return view(updated ?? account);
  }

  @Delete('accounts/:account')
  @ApiOperation({ operationId: 'AdminDeleteAccount', summary: 'Delete an account', params: { account: AccountParam }, responses: jsonResponse('Deleted', z.object({ _id: z.string(), deleted: z.literal(true) })), errors: ['forbidden', 'not_found'] })
  async remove(@CurrentCaller() caller: Caller, @Param('account') idOrName: string) {
    requireAdmin(caller);
    const account = await this.found(idOrName);
    await this.accounts.deleteAccount(account.id);
    return { _id: account.id, deleted: true };
  }

  @Post('accounts/:account/keys')
  @ApiOperation({ operationId: 'AdminIssueKey', summary: 'Issue an API key (shown once)', params: { account: AccountParam }, body: NewKey, responses: jsonResponse('The key', NewKeyView, 201), errors: ['forbidden', 'not_found'] })
  async issueKey(@CurrentCaller() caller: Caller, @Param('account') idOrName: string, @Body() body: unknown) {
    requireAdmin(caller);
    const account = await this.found(idOrName);
    const key = await this.accounts.issueApiKey(account.id, parseBody(NewKey, body).label ?? '');
    return { keyId: key.id, apiKey: key.apiKey };
  }

  @Delete('accounts/:account/keys/:keyId')
  @ApiOperation({ operationId: 'AdminRevokeKey', summary: 'Revoke an API key', params: { account: AccountParam, keyId: KeyIdParam }, responses: jsonResponse('Revoked', RevokedKeyView), errors: ['forbidden', 'not_found'] })
  async revokeKey(@CurrentCaller() caller: Caller, @Param('account') idOrName: string, @Param('keyId') keyId: string) {
    requireAdmin(caller);
    const account = await this.found(idOrName);
    if (!(await this.accounts.revokeApiKey(account.id, keyId))) throw notFound('API key not found.');
    return { keyId, revoked: true };
  }

  @Post('accounts/:account/domains')
  @ApiOperation({ operationId: 'AdminAddDomain', summary: 'Give an account a custom domain', params: { account: AccountParam }, body: NewDomain, responses: jsonResponse('The domain', z.object({ domain: z.string(), owner: z.string(), created: z.boolean() }), 201), errors: ['forbidden', 'not_found', 'conflict'] })
  async addDomain(@CurrentCaller() caller: Caller, @Param('account') idOrName: string, @Body() body: unknown) {
    requireAdmin(caller);
    const account = await this.found(idOrName);
    const domain = normalizeDomain(parseBody(NewDomain, body).domain);
    const result = await this.accounts.claimDomain(account.id, domain);
    if (result === 'owned-by-another') throw new ApiError('conflict', 'The domain belongs to another account.');
    return { domain, owner: account.id, created: result === 'claimed' };
  }

  @Delete('accounts/:account/domains/:domain')
  @ApiOperation({ operationId: 'AdminRemoveDomain', summary: 'Take a custom domain from an account', params: { account: AccountParam, domain: DomainNameParam }, responses: jsonResponse('Released', z.object({ domain: z.string(), released: z.literal(true) })), errors: ['forbidden', 'not_found'] })
  @HttpCode(200)
  async removeDomain(@CurrentCaller() caller: Caller, @Param('account') idOrName: string, @Param('domain') domain: string) {
    requireAdmin(caller);
    const account = await this.found(idOrName);
    if (!(await this.accounts.releaseDomain(account.id, domain))) throw notFound('Domain not found for this account.');
    return { domain: normalizeDomain(domain), released: true };
  }

  private async found(idOrName: string): Promise<Account> {
    const account = await this.accounts.getAccount(idOrName);
    if (!account) throw notFound('Account not found.');
    return account;
  }
}

export function requireAdmin(caller: Caller): void {
  if (!requireAccount(caller).isAdmin) throw new ApiError('forbidden', 'An admin API key is required.');
}
