// Test-only helpers of the accounts module: the AccountStore adapter contract and its fixture builders. Kept
// out of `index.ts` so production code never loads node:test.
export {
  describeAccountStoreContract,
  makeCustomDomain,
  makePrivateAddress,
  makeStoredAccount,
  makeStoredApiKey,
  type AccountStoreHarness,
} from './account-store.contract';
