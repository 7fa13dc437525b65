import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccountsModule } from '../accounts';
import { CallerGuard } from './caller';
import { MailboxReader } from './mailbox-reader.service';
import { MeController } from './me.controller';
import { MessageContentController } from './message-content.controller';
import { MessagesController } from './messages.controller';

@Module({
  imports: [AccountsModule],
  controllers: [MessagesController, MessageContentController, MeController],
  providers: [MailboxReader, { provide: APP_GUARD, useClass: CallerGuard }],
})
export class ApiModule {}
