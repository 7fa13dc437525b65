// Who may see which mail: the one privacy rule, used by the API and by the web UI's own routes.
import type { Account } from './account';
import type { StoredMessage } from '../domain/captured-message';

/** Public mail is visible to anyone; starred (private) mail only to the account that starred it, or an admin. */
export function mayReadMessage(account: Account | null, message: Pick<StoredMessage, 'savedBy'>): boolean {
  if (!message.savedBy) return true;
  return account !== null && (account.isAdmin || account.id === message.savedBy);
}

/** Anonymous reading can be switched off appliance-wide; signed-in callers may always read. */
export function mayReadInboxes(account: Account | null, publicInboxes: boolean): boolean {
  return account !== null || publicInboxes;
}
