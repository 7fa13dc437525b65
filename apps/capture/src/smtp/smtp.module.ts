import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts';
import { ChaosModule } from '../chaos';
import { IngestModule } from '../ingest';
import { SmtpCaptureServer } from './smtp-capture.server';

/** Needs TlsCertificates and CaptureMetrics from their global modules. */
@Module({
  imports: [AccountsModule, IngestModule, ChaosModule],
  providers: [SmtpCaptureServer],
  exports: [SmtpCaptureServer],
})
export class SmtpModule {}
