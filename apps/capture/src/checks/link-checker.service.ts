// The link check as the API runs it: the configured allowlist and deadline, at most MAX_CHECKED_LINKS links of a
// message, each link counted in metrics and logged by its host only.
import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type CaptureboxConfig } from '../config';
import { DomainList } from '../domain';
import { ROOT_LOGGER, type Logger } from '../logging';
import { CaptureMetrics } from '../metrics';
import { checkLinks, type LinkStatus } from './link-check';

/** Links checked per request (the first ones): with 4 at once and the 5 s default deadline, about a minute at worst. */
export const MAX_CHECKED_LINKS = 50;

@Injectable()
export class LinkChecker {
  private readonly allowedHosts: DomainList;

  constructor(
    @Inject(CONFIG) private readonly config: CaptureboxConfig,
    private readonly metrics: CaptureMetrics,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.allowedHosts = new DomainList(config.checks.linkHosts);
  }

  async check(links: readonly string[]): Promise<{ links: LinkStatus[]; truncated: boolean }> {
    const checked = await checkLinks(links.slice(0, MAX_CHECKED_LINKS), {
      allowedHosts: this.allowedHosts,
      timeoutMs: this.config.checks.linkTimeoutMs,
      onChecked: (host, status) => {
        this.metrics.linkChecksTotal.inc({ result: status.result });
        this.logger.debug({ host, result: status.result, status: status.status, error: status.error }, 'link checked');
      },
    });
    return { links: checked, truncated: links.length > MAX_CHECKED_LINKS };
  }
}
