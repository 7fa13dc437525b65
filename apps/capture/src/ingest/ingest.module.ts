import { Module } from '@nestjs/common';
import { CaptureService } from './capture.service';

/** Needs MESSAGE_STORE from the (global) store module. */
@Module({
  providers: [CaptureService],
  exports: [CaptureService],
})
export class IngestModule {}
