// The slice of the app the CLI needs: configuration, a quiet logger and the accounts module.
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AccountsModule } from './accounts';
import { CONFIG, type CaptureboxConfig } from './config';
import { createRootLogger, ROOT_LOGGER } from './logging';

@Global()
@Module({})
export class CliModule {
  static with(config: CaptureboxConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [AccountsModule],
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: ROOT_LOGGER, useValue: createRootLogger('silent') },
      ],
      exports: [CONFIG, ROOT_LOGGER],
    };
  }
}
