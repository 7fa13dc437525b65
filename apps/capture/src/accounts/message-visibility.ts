// Who may see which mail: the one privacy rule, used by the API and by the web UI's own routes.
//  - an admin key sees everything;
//  - mail in an inbox owned by an account (a private address, or any address of its custom domain) is
//    that account's, starred or not;
//  - a starred message is also readable by the account that starred it (Mailsac's `savedBy`), and by
//    no one else when its inbox is public;
//  - everything else is public, readable by anyone unless anonymous reading is switched off.
// To everyone else a private message does not exist (the API answers 404, never 403).
import type { StoredMessage } from '../domain';
import type { Account } from './account';

export function mayReadMessage(account: Account | null, message: Pick<StoredMessage, 'savedBy'>, inboxOwnerId: string | null = null): boolean {
  if (account?.isAdmin) return true;
  if (account !== null && (account.id === message.savedBy || account.id === inboxOwnerId)) return true;
  return !message.savedBy && !inboxOwnerId;
}

/** Whether the caller may list an inbox at all: public inboxes (if anonymous reading is on) or their own. */
export function mayReadInbox(account: Account | null, inboxOwnerId: string | null, publicInboxes: boolean): boolean {
  if (account?.isAdmin) return true;
  if (inboxOwnerId) return account !== null && account.id === inboxOwnerId;
  return mayReadInboxes(account, publicInboxes);
}

/** Anonymous reading can be switched off appliance-wide; signed-in callers may always read. */
export function mayReadInboxes(account: Account | null, publicInboxes: boolean): boolean {
  return account !== null || publicInboxes;
}
