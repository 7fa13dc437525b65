import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessModule } from '../access';
import { AccountsModule } from '../accounts';
import { ChaosModule } from '../chaos';
import { ChecksModule } from '../checks';
import { WaitingModule } from '../waiting';
import { AccountInboxController } from './account-inbox.controller';
import { WaitsController } from './waits.controller';
import { AddressesController, PrivateAddressesBulkController } from './addresses.controller';
import { AdminController } from './admin.controller';
import { ChaosController } from './chaos.controller';
import { CallerGuard } from './caller';
import { Denylist } from './denylist';
import { DomainsController } from './domains.controller';
import { MailboxMessages } from './mailbox-messages.service';
import { MailstatsController } from './mailstats.controller';
import { MeController } from './me.controller';
import { MessageChecksController } from './message-checks.controller';
import { MyKeysController } from './my-keys.controller';
import { MessageContentController } from './message-content.controller';
import { MessagesController } from './messages.controller';
import { ValidationsController } from './validations.controller';
import { WebhooksController } from './webhooks.controller';

@Module({
  imports: [AccountsModule, AccessModule, WaitingModule, ChecksModule, ChaosModule],
  // MessagesController first: its `starred/messages` must win over AddressesController's `:email`.
  controllers: [
    MessagesController,
    WaitsController,
    MessageContentController,
    MessageChecksController,
    AccountInboxController,
    AddressesController,
    PrivateAddressesBulkController,
    DomainsController,
    MyKeysController,
    MeController,
    AdminController,
    ChaosController,
    ValidationsController,
    MailstatsController,
    WebhooksController,
  ],
  providers: [MailboxMessages, Denylist, { provide: APP_GUARD, useClass: CallerGuard }],
})
export class ApiModule {}
