import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts';
import { CONFIG, type CaptureboxConfig } from '../config';
import { IngestModule } from '../ingest';
import { loadTlsMaterial } from '../tls';
import { SMTP_TLS_MATERIAL, SmtpCaptureServer } from './smtp-capture.server';

@Module({
  imports: [AccountsModule, IngestModule],
  providers: [
    {
      provide: SMTP_TLS_MATERIAL,
      inject: [CONFIG],
      useFactory: (config: CaptureboxConfig) => loadTlsMaterial(config.tls, config.dataDir, config.smtp.hostname ?? 'localhost'),
    },
    SmtpCaptureServer,
  ],
  exports: [SmtpCaptureServer],
})
export class SmtpModule {}
