import { Module } from '@nestjs/common';
import { CONFIG, type CaptureboxConfig } from '../config';
import { AccountsService, BOOTSTRAP_ADMIN_KEY } from './accounts.service';
import { loadBootstrapAdminKey } from './bootstrap-admin';

@Module({
  providers: [
    {
      provide: BOOTSTRAP_ADMIN_KEY,
      inject: [CONFIG],
      useFactory: (config: CaptureboxConfig) => loadBootstrapAdminKey(config.admin.apiKey, config.dataDir),
    },
    { provide: 'ADMIN_USERNAME', inject: [CONFIG], useFactory: (config: CaptureboxConfig) => config.admin.username },
    AccountsService,
  ],
  exports: [AccountsService, BOOTSTRAP_ADMIN_KEY],
})
export class AccountsModule {}
