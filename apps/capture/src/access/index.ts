export { AccessModule } from './access.module';
export { KeyRequiredToRead, MailboxAccess, MailNotFound, type PageQuery, type Reader, type ScopedFilter, type ScopedSearch } from './mailbox-access.service';
