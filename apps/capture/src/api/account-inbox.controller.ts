// Mailsac's account-wide reading: all mail of the caller's private addresses and domains (and its stars) in
// one listing, filtered (conditions ANDed) or searched (one text, ORed over to, from and subject); and
// Capturebox's search in its query language (`GET /api/search`). Scopes
// come from access/, which alone knows what a caller may see; an admin's is all mail.
import { Controller, Get, Query } from '@nestjs/common';
import { MailboxAccess } from '../access';
import { SEARCH_FIELDS } from '../store';
import { toEmailMessage } from '../views';
import { ApiOperation, jsonResponse, mailsacResponses } from '../openapi';
import { AccountInboxQuerySchema, InboxFilterQuerySchema, InboxSearchQuerySchema, parseAccountInboxQuery, parseInboxFilterQuery, parseInboxSearchQuery, parseSearchRequest, SearchRequestSchema } from './api-input';
import { CurrentCaller, requireAccount, type Caller } from './caller';

/** Mailsac's cap on filter and search results: "refine the query" beyond it. */
const MAILSAC_SEARCH_LIMIT = 100;

const SEARCH_RESULTS = {
  type: 'object',
  required: ['total', 'limit', 'skip', 'messages'],
  properties: {
    total: { type: 'integer', minimum: 0, description: 'How many messages match in all' },
    limit: { type: 'integer', minimum: 0 },
    skip: { type: 'integer', minimum: 0 },
    messages: { type: 'array', items: { $ref: '#/components/schemas/EmailMessage' } },
  },
};

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

  /**
   * Capturebox's own search over the caller's mail (as `GET /api/inbox` lists it) in the language of
   * search/: newest first, paged, with how many match in all.
   */
  @Get('search')
  @ApiOperation({ operationId: 'SearchMessages', summary: "Search the caller's mail in Capturebox's query language (Capturebox's own)", query: SearchRequestSchema, responses: jsonResponse('The matching messages, newest first, and how many match in all', SEARCH_RESULTS) })
  async searchInLanguage(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    const account = requireAccount(caller);
    const { filter, limit, skip } = parseSearchRequest(query);
    const scope = await this.access.accountScope(account);
    const [messages, total] = await Promise.all([
      this.access.search(scope, { ...filter, order: 'newest', limit, skip }),
      this.access.countMatching(scope, filter),
    ]);
    return { total, limit, skip, messages: messages.map(toEmailMessage) };
  }
}
