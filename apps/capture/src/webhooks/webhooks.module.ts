import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts';
import { PushModule } from '../push';
import { WebhookDeliveryWorker } from './webhook-delivery-worker';

/** The delivery worker; needs MESSAGE_STORE (global store module), events and metrics. */
@Module({
  imports: [AccountsModule, PushModule],
  providers: [WebhookDeliveryWorker],
})
export class WebhooksModule {}
