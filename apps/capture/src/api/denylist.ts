// Mailsac's deny-list, answered from the admin's CAPTUREBOX_DENYLIST (domains and IP addresses). Nothing
// here queries a DNS blocklist: the machine may have no DNS, and Capturebox never delivers mail anyway.
import { Inject, Injectable } from '@nestjs/common';
import { isIP } from 'node:net';
import { CONFIG, type CaptureboxConfig } from '../config';
import { DomainList, normalizeDomain } from '../domain';

@Injectable()
export class Denylist {
  /** As configured, domains in their normal form: what the list route shows. */
  readonly entries: string[];
  private readonly ips: Set<string>;
  private readonly domains: DomainList;

  constructor(@Inject(CONFIG) config: CaptureboxConfig) {
    this.entries = config.denylist.map((entry) => (isIP(entry) ? entry : normalizeDomain(entry)));
    this.ips = new Set(this.entries.filter((entry) => isIP(entry)));
    this.domains = new DomainList(this.entries.filter((entry) => !isIP(entry)));
  }

  /** An IP address exactly as listed; a domain when it or a parent domain is listed. */
  has(domainOrIp: string): boolean {
    const value = domainOrIp.trim().toLowerCase();
    return isIP(value) ? this.ips.has(value) : this.domains.match(value) !== null;
  }
}
