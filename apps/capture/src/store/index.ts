// The store module's public face: the storage port, its error and DI token, the adapters, and retention.
// Tests of other modules find the contract and fixtures in `store/testing`.
export {
  MESSAGE_STORE,
  StoreUnavailableError,
  type ListInboxQuery,
  type MessageBody,
  type MessagePatch,
  type MessageStore,
  type StarredVisibility,
  type Usage,
  type UsageScope,
} from './message-store';
export { SqliteMessageStore, type SqliteMessageStoreOptions } from './sqlite-message-store';
export { MongoMessageStore, type MongoMessageStoreOptions } from './mongo-message-store';
export { RetentionService, type PruneSummary } from './retention.service';
export { StoreOpener, type Openable } from './store-opener';
