export { AccountsModule, createConfiguredAccountStore } from './accounts.module';
export { AccountsService, BOOTSTRAP_ADMIN_KEY, ADMIN_ACCOUNT_ID, InvalidAccountInput, AccountConflictError, type IssuedApiKey } from './accounts.service';
export { ACCOUNT_STORE, type AccountStore, type ClaimResult, type PrivateAddress, type CustomDomain, type StoredWebhook, type WebhookKind } from './account-store';
export { FailureThrottle, sleep } from './failure-throttle';
export type { Account } from './account';
export type { BootstrapAdminKey } from './bootstrap-admin';
export { mayReadMessage, mayReadInbox, mayReadInboxes } from './message-visibility';
export { presentedApiKey } from './presented-api-key';
export { AccountWebhooks, WebhookTargetNotOwned, type WebhookRequest } from './account-webhooks.service';
