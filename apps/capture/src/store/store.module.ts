// Picks and opens the configured MessageStore adapter and closes it on shutdown.
import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { CONFIG, type CaptureboxConfig } from '../config';
import { MESSAGE_STORE, type MessageStore } from './message-store';
import { SqliteMessageStore } from './sqlite-message-store';

@Global()
@Module({
  providers: [
    {
      provide: MESSAGE_STORE,
      inject: [CONFIG],
      useFactory: async (config: CaptureboxConfig): Promise<MessageStore> => {
        const store = new SqliteMessageStore({ file: join(config.dataDir, 'capturebox.sqlite') });
        await store.open();
        return store;
      },
    },
  ],
  exports: [MESSAGE_STORE],
})
export class StoreModule implements OnApplicationShutdown {
  constructor(@Inject(MESSAGE_STORE) private readonly store: MessageStore) {}

  // onApplicationShutdown runs after every beforeApplicationShutdown hook, where SMTP stops, so no
  // transaction in progress loses its store.
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
