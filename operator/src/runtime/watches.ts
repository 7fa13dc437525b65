// List+watch caches of the resources the operator cares about (client-node informers), restarted after
// errors with a growing delay (the resource may not exist yet, e.g. cert-manager installed later). Every
// change is reduced to the key of the CaptureEnvironment it concerns.
import { KubeConfig, makeInformer, type Informer, type KubernetesListObject, type KubernetesObject, type ObjectCache } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { messageOf } from '../reconcile/kubernetes-errors';

export interface WatchSpec {
  /** For logs and metrics, e.g. "deployments". */
  resource: string;
  /** The watch path, e.g. /apis/apps/v1/deployments or /apis/apps/v1/namespaces/x/deployments. */
  path: string;
  list: () => Promise<KubernetesListObject<KubernetesObject>>;
  labelSelector?: string;
  /** Which environment key(s) a change of this object concerns. */
  keysOf: (object: KubernetesObject) => string[];
}

export class ResourceWatch {
  private informer?: Informer<KubernetesObject> & ObjectCache<KubernetesObject>;
  private restartTimer?: NodeJS.Timeout;
  private restartDelayMs = 500;
  private stopped = false;
  private errorSinceStart = false;
  synced = false;

  constructor(
    private readonly kubeConfig: KubeConfig,
    readonly spec: WatchSpec,
    private readonly onKey: (key: string) => void,
    private readonly logger: Logger,
    private readonly onRestart: (resource: string) => void,
  ) {}

  list(): ReadonlyArray<KubernetesObject> {
    return this.informer?.list() ?? [];
  }

  async start(): Promise<void> {
    this.stopped = false;
    const informer = makeInformer(this.kubeConfig, this.spec.path, this.spec.list, this.spec.labelSelector);
    this.informer = informer;
    const notify = (object: KubernetesObject) => {
      for (const key of this.spec.keysOf(object)) this.onKey(key);
    };
    informer.on('add', notify);
    informer.on('update', notify);
    informer.on('delete', notify);
    informer.on('error', (error) => this.restartLater(error));
    this.errorSinceStart = false;
    await informer.start();
    if (!this.errorSinceStart && !this.stopped) {
      this.synced = true;
      this.restartDelayMs = 500;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.informer?.stop();
  }

  private restartLater(error: unknown): void {
    this.errorSinceStart = true;
    if (this.stopped) return;
    this.synced = false;
    this.logger.warn({ resource: this.spec.resource, err: messageOf(error), retryInMs: this.restartDelayMs }, 'watch failed; restarting it');
    this.onRestart(this.spec.resource);
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (this.stopped) return;
      void this.informer?.stop();
      void this.start().catch((startError) => this.restartLater(startError));
    }, this.restartDelayMs);
    this.restartTimer.unref();
    this.restartDelayMs = Math.min(this.restartDelayMs * 2, 30_000);
  }
}
