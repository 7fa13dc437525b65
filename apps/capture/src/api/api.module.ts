import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessModule } from '../access';
import { AccountsModule } from '../accounts';
import { AddressesController, PrivateAddressesBulkController } from './addresses.controller';
import { AdminController } from './admin.controller';
import { CallerGuard } from './caller';
import { Denylist } from './denylist';
import { DomainsController } from './domains.controller';
import { MailboxReader } from './mailbox-reader.service';
import { MailstatsController } from './mailstats.controller';
import { MeController } from './me.controller';
import { MessageContentController } from './message-content.controller';
import { MessagesController } from './messages.controller';
import { ValidationsController } from './validations.controller';

@Module({
  imports: [AccountsModule, AccessModule],
  // MessagesController first: its `starred/messages` must win over AddressesController's `:email`.
  controllers: [
    MessagesController,
    MessageContentController,
    AddressesController,
    PrivateAddressesBulkController,
    DomainsController,
    MeController,
    AdminController,
    ValidationsController,
    MailstatsController,
  ],
  providers: [MailboxReader, Denylist, { provide: APP_GUARD, useClass: CallerGuard }],
})
export class ApiModule {}
