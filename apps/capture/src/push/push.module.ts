import { Module } from '@nestjs/common';
import { AccessModule } from '../access';
import { AccountsModule } from '../accounts';
import { IncomingMessagesSocket } from './incoming-messages.socket';
import { PushedMessages } from './pushed-messages';

/** Pushes of captured mail: Mailsac's WebSocket (main.ts attaches it to the HTTP server). */
@Module({
  imports: [AccessModule, AccountsModule],
  providers: [PushedMessages, IncomingMessagesSocket],
  exports: [IncomingMessagesSocket, PushedMessages],
})
export class PushModule {}
