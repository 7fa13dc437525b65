// Capturebox's webhook routes: an account's webhooks on a private address, a custom domain or the whole
// account, and each one's delivery log. Only the owner (or an admin) sees or changes a webhook; another
// account's is answered as not found. Mailsac's own way, an address's `webhook` field, is in addresses.
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { AccountWebhooks, type Account, type StoredWebhook } from '../accounts';
import { MESSAGE_STORE, type MessageStore } from '../store';
import { ApiError, badRequest, notFound } from './api-errors';
import { parseListQuery } from './api-input';
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

const webhookNotFound = () => notFound('Webhook not found.');

@Controller('api/webhooks')
export class WebhooksController {
  constructor(
    private readonly webhooks: AccountWebhooks,
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
  ) {}

  @Get()
  async list(@CurrentCaller() caller: Caller, @Query('accountId') accountId: string | undefined) {
    return (await this.webhooks.list(ownerFor(requireAccount(caller), accountId))).map(toWebhook);
  }

  @Post()
  async create(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    const parsed = NewWebhook.safeParse(body ?? {});
    if (!parsed.success) throw badRequest('Invalid webhook', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`));
    const { accountId, ...request } = parsed.data;
    if (request.kind !== 'account' && !request.target) throw badRequest(`A ${request.kind} webhook needs a target`);
    return toWebhook(await this.webhooks.create(ownerFor(requireAccount(caller), accountId), request));
  }

  @Get(':id')
  async get(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return toWebhook(await this.visible(caller, id));
  }

  @Delete(':id')
  @HttpCode(200)
  async delete(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    const webhook = await this.visible(caller, id);
    await this.webhooks.delete(webhook.id, webhook.ownerId);
    return { _id: webhook.id, deleted: true };
  }

  /** The latest deliveries, newest first, each with its last attempts (status, latency, error). */
  @Get(':id/deliveries')
  async deliveries(@CurrentCaller() caller: Caller, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    const webhook = await this.visible(caller, id);
    return (await this.store.listWebhookDeliveries(webhook.id, parseListQuery(query).limit)).map(toWebhookDelivery);
  }

  private async visible(caller: Caller, id: string): Promise<StoredWebhook> {
    const account = requireAccount(caller);
    const webhook = await this.webhooks.get(id);
    if (!webhook || (webhook.ownerId !== account.id && !account.isAdmin)) throw webhookNotFound();
    return webhook;
  }
}

/** Whose webhooks a request is about: the caller's own, or (admins only) the named account's. */
function ownerFor(caller: Account, accountId: string | undefined): string {
  if (accountId === undefined || accountId === caller.id) return caller.id;
  if (!caller.isAdmin) throw new ApiError('forbidden', 'Only an admin may manage another account’s webhooks.');
  return accountId;
}
