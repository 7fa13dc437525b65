import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts';
import { MailboxAccess } from './mailbox-access.service';

/** The mailbox-access service; the store and config come from their global modules. */
@Module({
  imports: [AccountsModule],
  providers: [MailboxAccess],
  exports: [MailboxAccess],
})
export class AccessModule {}
