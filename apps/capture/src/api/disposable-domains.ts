// Known disposable-mail domains, from the disposable-email-domains project's curated list (the
// `disposable-email-domains-js` package, CC0, pinned): loaded on first use, so start-up does not pay for it.
import { disposableEmailBlocklist } from 'disposable-email-domains-js';
import { DomainList } from '../domain';

let list: DomainList | null = null;

export function disposableDomains(): DomainList {
  list ??= new DomainList(disposableEmailBlocklist());
  return list;
}
