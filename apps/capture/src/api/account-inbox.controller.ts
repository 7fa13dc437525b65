// Mailsac's account-wide reading: all mail of the caller's private addresses and domains (and its stars) in
// one listing, filtered (conditions ANDed) or searched (one text, ORed over to, from and subject). Scopes
// come from access/, which alone knows what a caller may see; an admin's is all mail.
import { Controller, Get, Query } from '@nestjs/common';
import { MailboxAccess } from '../access';
import { SEARCH_FIELDS } from '../store';
import { toEmailMessage } from '../views';
import { ApiOperation, mailsacResponses } from '../openapi';
import { AccountInboxQuerySchema, InboxFilterQuerySchema, InboxSearchQuerySchema, parseAccountInboxQuery, parseInboxFilterQuery, parseInboxSearchQuery } from './api-input';
import { CurrentCaller, requireAccount, type Caller } from './caller';

/** Mailsac's cap on filter and search results: "refine the query" beyond it. */
const MAILSAC_SEARCH_LIMIT = 100;

@Controller('api')
export class AccountInboxController {
  constructor(private readonly access: MailboxAccess) {}

  @Get('inbox')
  @ApiOperation({ operationId: 'ListInboxMessages', summary: "All of the caller's mail, newest first", query: AccountInboxQuerySchema, responses: mailsacResponses('ListInboxMessages') })
  async listAccountMail(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    const { limit, skip, since } = parseAccountInboxQuery(query);
    const scope = await this.access.accountScope(requireAccount(caller));
    const [messages, unread] = await Promise.all([
      this.access.search(scope, { since, order: 'newest', limit, skip }),
      this.access.countMatching(scope, { read: false }),
    ]);
    return { messages: messages.map(toEmailMessage), unread, limit, skip };
  }

  @Get('inbox-filter')
  @ApiOperation({ operationId: 'FilterInboxMessages', summary: "The caller's mail matching every condition given", query: InboxFilterQuerySchema, responses: mailsacResponses('FilterInboxMessages') })
  async filterAccountMail(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    const account = requireAccount(caller);
    const filter = parseInboxFilterQuery(query);
    const messages = await this.access.search(await this.access.accountScope(account), { ...filter, order: 'newest', limit: MAILSAC_SEARCH_LIMIT });
    return { messages: messages.map(toEmailMessage) };
  }

  @Get('inbox-search')
  @ApiOperation({ operationId: 'SearchInboxMessages', summary: "The caller's mail whose to, from or subject contains the text", query: InboxSearchQuerySchema, responses: mailsacResponses('SearchInboxMessages') })
  async searchAccountMail(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    const account = requireAccount(caller);
    const text = parseInboxSearchQuery(query);
    if (!text) return { query: text, messages: [] };
    const anyOf = SEARCH_FIELDS.map((field) => ({ field, contains: text }));
    const messages = await this.access.search(await this.access.accountScope(account), { anyOf, order: 'newest', limit: MAILSAC_SEARCH_LIMIT });
    return { query: text, messages: messages.map(toEmailMessage) };
  }
}
