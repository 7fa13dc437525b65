import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts';
import { IngestModule } from '../ingest';
import { SmtpCaptureServer } from './smtp-capture.server';

/** Needs TlsCertificates and CaptureMetrics from their global modules. */
@Module({
  imports: [AccountsModule, IngestModule],
  providers: [SmtpCaptureServer],
  exports: [SmtpCaptureServer],
})
export class SmtpModule {}
