// The caller's own API keys (Capturebox's own routes, for the web UI's account page and scripts): list
// them, issue one (its secret is in that response only), revoke one. Any key of the account may manage
// the account's keys, as the admin may for every account (admin.controller.ts).
import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { AccountsService } from '../accounts';
import { ApiOperation, jsonResponse } from '../openapi';
import { notFound } from './api-errors';
import { KeyIdParam, KeyView, NewKey, NewKeyView, RevokedKeyView } from './api-key-views';
import { parseBody } from './api-input';
import { CurrentCaller, requireAccount, type Caller } from './caller';

@Controller('api/me/keys')
export class MyKeysController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiOperation({ operationId: 'ListMyKeys', summary: "The caller's account's API keys: ids, labels and dates, never the secrets (Capturebox's own)", responses: jsonResponse('The keys, oldest first', z.array(KeyView)) })
  async list(@CurrentCaller() caller: Caller) {
    return this.accounts.listApiKeys(requireAccount(caller).id);
  }

  @Post()
  @ApiOperation({ operationId: 'IssueMyKey', summary: "Issue another API key for the caller's account; its secret is in this response only (Capturebox's own)", body: NewKey, responses: jsonResponse('The key', NewKeyView, 201) })
  async issue(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    const account = requireAccount(caller);
    const key = await this.accounts.issueApiKey(account.id, parseBody(NewKey, body).label ?? '');
    return { keyId: key.id, apiKey: key.apiKey };
  }

  @Delete(':keyId')
  @ApiOperation({ operationId: 'RevokeMyKey', summary: "Revoke one of the caller's account's API keys (Capturebox's own)", params: { keyId: KeyIdParam }, responses: jsonResponse('Revoked', RevokedKeyView), errors: ['not_found'] })
  async revoke(@CurrentCaller() caller: Caller, @Param('keyId') keyId: string) {
    if (!(await this.accounts.revokeApiKey(requireAccount(caller).id, keyId))) throw notFound('API key not found.');
    return { keyId, revoked: true };
  }
}
