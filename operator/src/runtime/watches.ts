// List+watch caches of the resources the operator cares about (client-node informers), restarted after
// errors with a growing delay. A resource of an optional add-on (cert-manager, prometheus-operator) is first
// looked up through discovery: while its API is not served the watch waits quietly (logged once, asked
// again every addOnDiscoveryMs), so a cluster without the add-on has no failing watch and no restarts.
// Every change is reduced to the key of the CaptureEnvironment it concerns.
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
  /** For an optional add-on's resource: whether discovery lists it now, how often to ask, what to do when it appears. */
  addOn?: { name: string; served: () => Promise<boolean>; everyMs: number; onServed: () => void };
}

export class ResourceWatch {
  private informer?: Informer<KubernetesObject> & ObjectCache<KubernetesObject>;
  private restartTimer?: NodeJS.Timeout;
  private discoveryTimer?: NodeJS.Timeout;
  private waitingForApi = false;
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

  /** Whether this watch waits for its add-on's API to be served. */
  get waiting(): boolean {
    return this.waitingForApi;
  }

  async start(): Promise<void> {
    this.stopped = false;
    if (this.spec.addOn && !(await this.addOnServed(this.spec.addOn))) return;
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

  /** Asks discovery; when the API is not served, says so once and asks again later. */
  private async addOnServed(addOn: NonNullable<WatchSpec['addOn']>): Promise<boolean> {
    let served: boolean;
    try {
      served = await addOn.served();
    } catch (error) {
      this.restartLater(error); // the API server itself failed to answer: a real error
      return false;
    }
    if (served) {
      if (this.waitingForApi) {
        this.waitingForApi = false;
        this.logger.info({ resource: this.spec.resource, addOn: addOn.name }, 'the add-on\'s API is served now: watching it');
        addOn.onServed();
      }
      return true;
    }
    if (!this.waitingForApi) {
      this.waitingForApi = true;
      this.logger.info({ resource: this.spec.resource, addOn: addOn.name, checkEveryMs: addOn.everyMs }, 'the add-on\'s CRDs are not installed: watching for them through discovery');
    }
    clearTimeout(this.discoveryTimer);
    this.discoveryTimer = setTimeout(() => {
      if (!this.stopped) void this.start().catch((error) => this.restartLater(error));
    }, addOn.everyMs);
    this.discoveryTimer.unref();
    return false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    clearTimeout(this.discoveryTimer);
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
