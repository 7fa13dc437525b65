// Capturebox's webhook routes: an account's webhooks on a private address, a custom domain or the whole
// account, and each one's delivery log. Only the owner (or an admin) sees or changes a webhook; another
// account's is answered as not found. Mailsac's own way, an address's `webhook` field, is in addresses.
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { AccountsService, AccountWebhooks, type Account, type StoredWebhook } from '../accounts';
import { MESSAGE_STORE, type MessageStore } from '../store';
import { ApiError, badRequest, notFound } from './api-errors';
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, parseBody, parseQuery } from './api-input';
import { ApiOperation, jsonResponse } from '../openapi';
import { CurrentCaller, requireAccount, type Caller } from './caller';
import { toWebhook, toWebhookDelivery } from './webhook-views';

const NewWebhook = z
  .object({
    kind: z.enum(['address', 'domain', 'account']),
    target: z.string().max(320).optional(),
    url: z.string().min(1).max(2048),
    /** Admins only: whose webhook it is (default: the caller's). */
    accountId: z.string().optional(),
  })
  .strict();

const WebhookIdParam = z.string().min(1).max(100).meta({ description: "A webhook's id (`_id`, wh_...)" });
const ListWebhooksQuery = z.object({ accountId: z.string().max(100).optional().meta({ description: "Admins only: another account's webhooks" }) });
const DeliveriesQuery = z.object({ limit: z.coerce.number().int().min(0).max(MAX_LIST_LIMIT).default(DEFAULT_LIST_LIMIT) });

// What the routes answer, as toWebhook and toWebhookDelivery (webhook-views.ts) shape it.
const isoTime = z.string().meta({ format: 'date-time' });
const WebhookView = z.object({
  _id: z.string(),
  owner: z.string(),
  kind: z.enum(['address', 'domain', 'account']),
  target: z.string().nullable(),
  url: z.string(),
  secret: z.string().meta({ description: 'HMAC-SHA256 key of Capturebox-Signature (whsec_...)' }),
  created: isoTime,
});
const DeliveryView = z.object({
  _id: z.string(),
  webhook: z.string(),
  messageId: z.string(),
  inbox: z.string(),
  state: z.enum(['pending', 'delivered', 'failed', 'dropped']),
  attempts: z.number().int(),
  created: isoTime,
  nextAttemptAt: isoTime.nullable(),
  settledAt: isoTime.nullable(),
  lastAttempts: z.array(z.object({ at: isoTime, status: z.number().int().nullable(), latencyMs: z.number(), error: z.string().nullable() })),
});

const webhookNotFound = () => notFound('Webhook not found.');
const own = (summary: string) => `${summary} (Capturebox's own)`;

@Controller('api/webhooks')
export class WebhooksController {
  constructor(
    private readonly webhooks: AccountWebhooks,
    private readonly accounts: AccountsService,
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'ListWebhooks', summary: own("The caller's webhooks"), query: ListWebhooksQuery, responses: jsonResponse('The webhooks', z.array(WebhookView)), errors: ['forbidden', 'not_found'] })
  async list(@CurrentCaller() caller: Caller, @Query('accountId') accountId: string | undefined) {
    return (await this.webhooks.list(await this.ownerFor(requireAccount(caller), accountId))).map(toWebhook);
  }

  @Post()
  @ApiOperation({ operationId: 'CreateWebhook', summary: own('A webhook on an owned address, custom domain or the whole account'), body: NewWebhook, responses: jsonResponse('The new webhook, with its secret', WebhookView, 201), errors: ['forbidden', 'not_found'] })
  async create(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    const { accountId, ...request } = parseBody(NewWebhook, body, 'Invalid webhook');
    if (request.kind !== 'account' && !request.target) throw badRequest(`A ${request.kind} webhook needs a target`);
    return toWebhook(await this.webhooks.create(await this.ownerFor(requireAccount(caller), accountId), request));
  }

  @Get(':id')
  @ApiOperation({ operationId: 'GetWebhook', summary: own('One webhook'), params: { id: WebhookIdParam }, responses: jsonResponse('The webhook', WebhookView), errors: ['not_found'] })
  async get(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return toWebhook(await this.visible(caller, id));
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'DeleteWebhook',
    summary: own('Remove a webhook (its queued deliveries are dropped)'),
    params: { id: WebhookIdParam },
    responses: jsonResponse('Removed', z.object({ _id: z.string(), deleted: z.literal(true) })),
    errors: ['not_found'],
  })
  async delete(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    const webhook = await this.visible(caller, id);
    await this.webhooks.delete(webhook.id, webhook.ownerId);
    return { _id: webhook.id, deleted: true };
  }

  /** The latest deliveries, newest first, each with its last attempts (status, latency, error). */
  @Get(':id/deliveries')
  @ApiOperation({ operationId: 'ListWebhookDeliveries', summary: own("A webhook's latest deliveries"), params: { id: WebhookIdParam }, query: DeliveriesQuery, responses: jsonResponse('Newest first', z.array(DeliveryView)), errors: ['not_found'] })
  async deliveries(@CurrentCaller() caller: Caller, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    const webhook = await this.visible(caller, id);
    const { limit } = parseQuery(DeliveriesQuery, { limit: query.limit });
    return (await this.store.listWebhookDeliveries(webhook.id, limit)).map(toWebhookDelivery);
  }

  /** Whose webhooks a request is about: the caller's own, or (admins only) the named account's, which must exist. */
  private async ownerFor(caller: Account, accountId: string | undefined): Promise<string> {
    if (accountId === undefined || accountId === caller.id) return caller.id;
    if (!caller.isAdmin) throw new ApiError('forbidden', 'Only an admin may manage another account’s webhooks.');
    const account = await this.accounts.getAccount(accountId);
    if (!account) throw notFound('Account not found.');
    return account.id;
  }

  private async visible(caller: Caller, id: string): Promise<StoredWebhook> {
    const account = requireAccount(caller);
    const webhook = await this.webhooks.get(id);
    if (!webhook || (webhook.ownerId !== account.id && !account.isAdmin)) throw webhookNotFound();
    return webhook;
  }
}
