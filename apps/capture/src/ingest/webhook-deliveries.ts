// The webhook deliveries a capture makes: one per copy and webhook that hears it (accounts/ decides which:
// only its owner's), stored by saveCaptured in the same write as the copies, so none is lost to a crash
// after the 250. Delivery itself happens later, off the SMTP path (webhooks/).
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AccountWebhooks, type InboxOwners } from '../accounts';
import type { StoredMessage } from '../domain';
import type { NewWebhookDelivery } from '../store';

@Injectable()
export class WebhookDeliveriesOfCapture {
  constructor(private readonly webhooks: AccountWebhooks) {}

  async for(copies: StoredMessage[], owners: InboxOwners): Promise<NewWebhookDelivery[]> {
    const deliveries: NewWebhookDelivery[] = [];
    for (const copy of copies) {
      for (const webhook of await this.webhooks.hearing(copy, owners)) {
        deliveries.push({ id: `dlv_${randomBytes(12).toString('base64url')}`, webhookId: webhook.id, messageId: copy.id, inbox: copy.inbox });
      }
    }
    return deliveries;
  }
}
