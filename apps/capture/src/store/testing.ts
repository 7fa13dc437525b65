// Test-only helpers of the store module: the adapter contract, the fixture builders, and the set-up the SQLite
// and MongoDB specs of both stores share. Kept out of `index.ts` so production code never loads node:test.
export { describeMessageStoreContract, type MessageStoreHarness } from './message-store.contract';
export { makeAttachment, makeCapturedMail, makeCopies, makeQueueId } from './test-fixtures';
export {
  eventually,
  startMongoTestServer,
  useMongoTestServer,
  withDatabase,
  type MongoTestServer,
  type MongoTestSuite,
} from './mongo-test-server';
export { makeNestedStoreFile, useSqliteTestFile, type SqliteTestFile } from './sqlite-test-files';
