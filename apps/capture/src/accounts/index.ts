export { AccountsModule } from './accounts.module';
export { AccountsService, BOOTSTRAP_ADMIN_KEY, ADMIN_ACCOUNT_ID } from './accounts.service';
export type { Account } from './account';
export type { BootstrapAdminKey } from './bootstrap-admin';
export { mayReadMessage, mayReadInboxes } from './message-visibility';
