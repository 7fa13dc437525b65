// Wires the accounts storage (SQLite beside the embedded mail store, or the MongoDB database), opens it
// (retrying while the database is not up), and makes sure the bootstrap admin exists.
import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { CONFIG, type CaptureboxConfig } from '../config';
import { ROOT_LOGGER, type Logger } from '../logging';
import { StoreOpener } from '../store';
import { ACCOUNT_STORE, type AccountStore } from './account-store';
import { ApiKeyCallers } from './api-key-callers';
import { ADMIN_USERNAME, AccountsService, BOOTSTRAP_ADMIN_KEY } from './accounts.service';
import { AccountWebhooks } from './account-webhooks.service';
import { loadBootstrapAdminKey } from './bootstrap-admin';
import { MongoAccountStore } from './mongo-account-store';
import { SqliteAccountStore } from './sqlite-account-store';

const ACCOUNTS_OPENER = Symbol('AccountsOpener');

export function createConfiguredAccountStore(config: CaptureboxConfig): AccountStore {
  if (config.mongodbUri) return new MongoAccountStore({ uri: config.mongodbUri });
  return new SqliteAccountStore({ file: join(config.dataDir, 'accounts.sqlite') });
}

@Global()
@Module({
  providers: [
    { provide: ACCOUNT_STORE, inject: [CONFIG], useFactory: createConfiguredAccountStore },
    {
      provide: BOOTSTRAP_ADMIN_KEY,
      inject: [CONFIG],
      useFactory: (config: CaptureboxConfig) => loadBootstrapAdminKey(config.admin.apiKey, config.dataDir),
    },
    { provide: ADMIN_USERNAME, inject: [CONFIG], useFactory: (config: CaptureboxConfig) => config.admin.username },
    AccountsService,
    ApiKeyCallers,
    AccountWebhooks,
    {
      provide: ACCOUNTS_OPENER,
      inject: [ACCOUNT_STORE, AccountsService, ROOT_LOGGER],
      useFactory: async (store: AccountStore, accounts: AccountsService, logger: Logger) => {
        const opener = new StoreOpener(store, logger.child({ module: 'accounts' }), () => accounts.ensureBootstrapAdmin());
        await opener.openOrKeepTrying();
        return opener;
      },
    },
  ],
  exports: [AccountsService, ApiKeyCallers, AccountWebhooks, BOOTSTRAP_ADMIN_KEY, ACCOUNT_STORE],
})
export class AccountsModule implements OnApplicationShutdown {
  constructor(
    @Inject(ACCOUNT_STORE) private readonly store: AccountStore,
    @Inject(ACCOUNTS_OPENER) private readonly opener: StoreOpener,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.opener.stop();
    await this.store.close();
  }
}
