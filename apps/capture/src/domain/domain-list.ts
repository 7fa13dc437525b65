import { normalizeDomain } from './mailbox';

/**
 * A list of domain names that covers their subdomains too (a listed `example.com` covers `mx.example.com`),
 * in the one normal form of domains (`normalizeDomain`). The disposable-domain and the deny list use it.
 */
export class DomainList {
  private readonly names: Set<string>;

  constructor(names: Iterable<string>) {
    this.names = new Set([...names].map(normalizeDomain));
  }

  /** The listed name that covers `domain` (itself or its nearest listed parent), or null. */
  match(domain: string): string | null {
    const labels = normalizeDomain(domain).split('.');
    for (let i = 0; i < labels.length; i++) {
      const candidate = labels.slice(i).join('.');
      if (this.names.has(candidate)) return candidate;
    }
    return null;
  }
}
