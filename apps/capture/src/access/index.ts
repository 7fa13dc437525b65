export { AccessModule } from './access.module';
export { KeyRequiredToRead, MailboxAccess, MailNotFound, type PageQuery, type Reader } from './mailbox-access.service';
