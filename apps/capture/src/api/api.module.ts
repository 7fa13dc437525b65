import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessModule } from '../access';
import { AccountsModule } from '../accounts';
import { WaitingModule } from '../waiting';
import { AccountInboxController } from './account-inbox.controller';
import { WaitsController } from './waits.controller';
import { AddressesController } from './addresses.controller';
import { AdminController } from './admin.controller';
import { CallerGuard } from './caller';
import { DomainsController } from './domains.controller';
import { MailboxMessages } from './mailbox-messages.service';
import { MeController } from './me.controller';
import { MessageContentController } from './message-content.controller';
import { MessagesController } from './messages.controller';

@Module({
  imports: [AccountsModule, AccessModule, WaitingModule],
  // MessagesController first: its `starred/messages` must win over AddressesController's `:email`.
  controllers: [MessagesController, WaitsController, MessageContentController, AccountInboxController, AddressesController, DomainsController, MeController, AdminController],
  providers: [MailboxMessages, { provide: APP_GUARD, useClass: CallerGuard }],
})
export class ApiModule {}
