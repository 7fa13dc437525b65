// The store module's public face: the storage port, its error and DI token, the adapters, retention, and the
// SQLite and MongoDB plumbing the account store's adapters share with the message store's.
// Tests of other modules find the contract and fixtures in `store/testing`.
export {
  MESSAGE_STORE,
  StoreUnavailableError,
  type DomainScope,
  type ListInboxQuery,
  type MessageBody,
  type MessagePatch,
  type MessageStore,
  type PublicScope,
  type PublicStatsQuery,
  type PublicTallyKey,
  type StarredVisibility,
  type Tally,
  type Usage,
  type UsageScope,
} from './message-store';
export {
  matchesFilter,
  needsBody,
  MAX_CONDITION_LENGTH,
  SEARCH_FIELDS,
  type FieldCondition,
  type LabelCondition,
  type SearchCondition,
  type WordsCondition,
  type MessageFilter,
  type MessageSearch,
  type SearchField,
  type SearchScope,
} from './message-search';
export { wordsOf } from './search-words';
export {
  KEPT_ATTEMPTS,
  withAttempt,
  type ClaimedDelivery,
  type DeliveryAttempt,
  type DeliveryClaim,
  type DeliverySettlement,
  type DeliveryState,
  type NewWebhookDelivery,
  type WebhookDelivery,
  type WebhookQueueStats,
} from './webhook-deliveries';
export { SqliteMessageStore, type SqliteMessageStoreOptions } from './sqlite-message-store';
export { MongoMessageStore, type MongoMessageStoreOptions } from './mongo-message-store';
export { StoreModule } from './store.module';
export { RetentionService, type PruneSummary } from './retention.service';
export { StoreOpener, type Openable } from './store-opener';
export {
  SqliteStore,
  toSqliteStoreError,
  type SqliteFileOptions,
} from './sqlite-connection';
export {
  MongoStore,
  databaseNameOf,
  isDuplicateKeyError,
  mongoClientOptions,
  type MongoConnectionOptions,
  type MongoIndexDeclaration,
} from './mongo-connection';
