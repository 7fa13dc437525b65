// The certificate every TLS listener presents right now, and a way to hear when it changes. Listeners
// apply a change to new handshakes only; connections already open keep the context they started with.
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG, type CaptureboxConfig } from '../config';
import { ROOT_LOGGER, type Logger } from '../logging';
import { CaptureMetrics } from '../metrics';
import { TlsFileWatcher } from './tls-file-watcher';
import type { TlsMaterial } from './tls-material';

export const INITIAL_TLS_MATERIAL = Symbol('InitialTlsMaterial');

@Injectable()
export class TlsCertificates implements OnApplicationShutdown {
  private material: TlsMaterial;
  private readonly listeners = new Set<(material: TlsMaterial) => void>();
  private readonly watcher: TlsFileWatcher | null = null;
  private readonly logger: Logger;
  private lastError = '';

  constructor(
    @Inject(INITIAL_TLS_MATERIAL) initial: TlsMaterial,
    @Inject(CONFIG) config: CaptureboxConfig,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
    private readonly metrics: CaptureMetrics,
  ) {
    this.material = initial;
    this.logger = rootLogger.child({ module: 'tls' });
    const { certFile, keyFile, reloadIntervalMs } = config.tls;
    if (certFile && keyFile) {
      this.watcher = new TlsFileWatcher({ certFile, keyFile }, initial, (next) => this.replace(next), (error) => this.reportError(error));
      this.watcher.start(reloadIntervalMs);
    }
  }

  get current(): TlsMaterial {
    return this.material;
  }

  onChange(listener: (material: TlsMaterial) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onApplicationShutdown(): void {
    this.watcher?.stop();
  }

  private replace(next: TlsMaterial): void {
    this.material = next;
    this.lastError = '';
    for (const listener of this.listeners) listener(next);
    this.metrics.tlsCertificateReloadsTotal.inc({ result: 'success' });
    this.logger.info({ source: next.source }, 'tls certificate reloaded');
  }

  private reportError(error: Error): void {
    this.metrics.tlsCertificateReloadsTotal.inc({ result: 'failure' });
    // Log a failing reload once per distinct error, not on every poll.
    if (error.message === this.lastError) return;
    this.lastError = error.message;
    this.logger.warn({ err: error }, 'tls certificate reload failed; keeping the previous certificate');
  }
}
