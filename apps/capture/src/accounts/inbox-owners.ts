// Who owns each inbox of one capture, looked up once: the message limit and the webhooks then judge the
// capture by the same answer, even if an address or a domain changes hands while it is being stored.
import { inboxOf } from '../domain';

export class InboxOwners {
  constructor(private readonly owners: ReadonlyMap<string, string | null>) {}

  /** The owning account's id; null for a public inbox. Only the inboxes it was made for: others are a bug. */
  of(address: string): string | null {
    const owner = this.owners.get(inboxOf(address));
    if (owner === undefined) throw new Error(`InboxOwners: ${address} was not looked up`);
    return owner;
  }
}
