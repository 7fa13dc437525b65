import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ApiModule } from './api';
import { ChecksModule } from './checks';
import { PushModule } from './push';
import { WebhooksModule } from './webhooks';
import { CONFIG, type CaptureboxConfig } from './config';
import { EventsModule } from './events';
import { HealthModule } from './health';
import { IngestModule } from './ingest';
import { MetricsModule } from './metrics';
import { ROOT_LOGGER, type Logger } from './logging';
import { SmtpModule } from './smtp';
import { StoreModule } from './store';
import { OpenApiModule } from './openapi';
import { WebModule } from './web';
import { TlsModule, type TlsMaterial } from './tls';

/** Makes the parsed config and the root logger injectable everywhere. */
@Global()
@Module({})
class CoreModule {
  static with(config: CaptureboxConfig, logger: Logger): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: ROOT_LOGGER, useValue: logger },
      ],
      exports: [CONFIG, ROOT_LOGGER],
    };
  }
}

@Module({})
export class AppModule {
  static with(config: CaptureboxConfig, logger: Logger, tls: TlsMaterial): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.with(config, logger), MetricsModule, TlsModule.with(tls), StoreModule, EventsModule, IngestModule, ChecksModule, SmtpModule, ApiModule, PushModule, WebhooksModule, HealthModule, WebModule, OpenApiModule],
    };
  }
}
