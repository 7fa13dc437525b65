// Test-only helpers of the store module: the adapter contract and the fixture builders. Kept out of
// `index.ts` so production code never loads node:test.
export { describeMessageStoreContract, type MessageStoreHarness } from './message-store.contract';
export { makeAttachment, makeCapturedMail, makeCopies, makeQueueId } from './test-fixtures';
export { startMongoTestServer, withDatabase, type MongoTestServer } from './mongo-test-server';
