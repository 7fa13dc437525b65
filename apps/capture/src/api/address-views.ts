// Accounts-side Mailsac JSON: EmailAddress, Domain, availability.
import type { CustomDomain, PrivateAddress } from '../accounts';

export function toEmailAddress(address: PrivateAddress) {
  return {
    _id: address.address,
    owner: address.ownerId,
    info: address.info,
    // Forwarding is never set (no mail is ever delivered), so, as Mailsac does for unset fields, it is left
    // out rather than sent empty; the controller adds `webhook` when the address has one.
    enablews: false,
    created: address.created.toISOString(),
    updated: address.updated.toISOString(),
  };
}

/** An address in one of the caller's custom domains that was never reserved on its own. */
export function toImplicitAddress(address: string, domain: CustomDomain) {
  return { _id: address, owner: domain.ownerId, implicit: true, catchAll: domain.domain, created: domain.created.toISOString(), updated: domain.updated.toISOString() };
}

export function toDomain(domain: CustomDomain) {
  return {
    _id: domain.domain,
    owner: domain.ownerId,
    created: domain.created.toISOString(),
    updated: domain.updated.toISOString(),
    isPrivate: true,
    // Capturebox accepts mail for any domain it is sent; there is no DNS to verify.
    verified: true,
    verifiedMx: true,
    hosted: false,
    enablews: false,
    isDefault: false,
  };
}
