// Picks the configured MessageStore adapter (MongoDB when CAPTUREBOX_MONGODB_URI is set, the embedded
// SQLite file otherwise), opens it, and closes it on shutdown.
import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { CONFIG, type CaptureboxConfig } from '../config';
import { ROOT_LOGGER, type Logger } from '../logging';
import { MESSAGE_STORE, type MessageStore } from './message-store';
import { MongoMessageStore } from './mongo-message-store';
import { RetentionService } from './retention.service';
import { SqliteMessageStore } from './sqlite-message-store';
import { StoreOpener } from './store-opener';

const STORE_OPENER = Symbol('StoreOpener');

export function createConfiguredStore(config: CaptureboxConfig): MessageStore {
  if (config.mongodbUri) return new MongoMessageStore({ uri: config.mongodbUri });
  // Room for one more message of the SIZE limit, its WAL frames and the copies of its text.
  return new SqliteMessageStore({ file: join(config.dataDir, 'capturebox.sqlite'), minFreeBytes: 4 * config.smtp.maxMessageBytes });
}

@Global()
@Module({
  providers: [
    {
      provide: MESSAGE_STORE,
      inject: [CONFIG],
      useFactory: (config: CaptureboxConfig): MessageStore => createConfiguredStore(config),
    },
    {
      provide: STORE_OPENER,
      inject: [MESSAGE_STORE, ROOT_LOGGER],
      useFactory: async (store: MessageStore, logger: Logger): Promise<StoreOpener> => {
        const opener = new StoreOpener(store, logger.child({ module: 'store' }));
        await opener.openOrKeepTrying();
        return opener;
      },
    },
    RetentionService,
  ],
  exports: [MESSAGE_STORE, RetentionService],
})
export class StoreModule implements OnApplicationShutdown {
  constructor(
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    @Inject(STORE_OPENER) private readonly opener: StoreOpener,
  ) {}

  // onApplicationShutdown runs after every beforeApplicationShutdown hook, where SMTP stops, so no
  // transaction in progress loses its store.
  async onApplicationShutdown(): Promise<void> {
    this.opener.stop();
    await this.store.close();
  }
}
