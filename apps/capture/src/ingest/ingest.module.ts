import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts';
import { CaptureService } from './capture.service';
import { PrivateMailLimits } from './private-mail-limits';

/** Needs MESSAGE_STORE from the (global) store module. */
@Module({
  imports: [AccountsModule],
  providers: [CaptureService, PrivateMailLimits],
  exports: [CaptureService],
})
export class IngestModule {}
