import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts';
import { CaptureService } from './capture.service';
import { PrivateMailLimits } from './private-mail-limits';
import { WebhookDeliveriesOfCapture } from './webhook-deliveries';

/** Needs MESSAGE_STORE from the (global) store module. */
@Module({
  imports: [AccountsModule],
  providers: [CaptureService, PrivateMailLimits, WebhookDeliveriesOfCapture],
  exports: [CaptureService],
})
export class IngestModule {}
