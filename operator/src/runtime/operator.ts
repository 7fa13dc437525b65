// The operator: leader election first; the leader watches CaptureEnvironments and what they own, feeds
// their keys to the work queue, and the queue's workers reconcile. A replica that loses the Lease stops
// all of that and tells its caller (main exits, Kubernetes restarts it as a fresh standby).
import { CustomObjectsApi, KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config';
import { ENVIRONMENT_LABEL, GROUP, MANAGED_BY_SELECTOR, OWNED_KINDS, PLURAL, VERSION, keyOf, parseKey } from '../environment';
import { KubernetesCluster } from '../reconcile/cluster';
import { MongoDatabaseDropper, type DatabaseDropper } from '../reconcile/database-cleanup';
import { isNotFound, messageOf } from '../reconcile/kubernetes-errors';
import { EnvironmentReconciler, ReconcileProblemsError } from '../reconcile/reconciler';
import { KubernetesLeaseStore } from './kubernetes-lease-store';
import { LeaderElector } from './leader-election';
import { OperatorMetrics } from './metrics';
import { ResourceWatch, type WatchSpec } from './watches';
import { WorkQueue } from './work-queue';

export interface OperatorDependencies {
  dropper?: DatabaseDropper;
  /** Called when this replica loses leadership it did not give up itself. */
  onLostLeadership?: () => void;
}

export class CaptureOperator {
  readonly metrics: OperatorMetrics;
  private readonly queue: WorkQueue;
  private readonly reconciler: EnvironmentReconciler;
  private readonly elector?: LeaderElector;
  private watches: ResourceWatch[] = [];
  private resyncTimer?: NodeJS.Timeout;
  private leading = false;
  private stopping = false;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly config: OperatorConfig,
    private readonly logger: Logger,
    private readonly dependencies: OperatorDependencies = {},
  ) {
    this.metrics = new OperatorMetrics({
      queueDepth: () => this.queue.depth,
      queueDelayed: () => this.queue.delayed,
      environments: () => this.environmentWatch()?.list().length ?? 0,
    });
    const le = config.leaderElection;
    const cluster = new KubernetesCluster(kubeConfig, le.identity);
    this.reconciler = new EnvironmentReconciler(cluster, dependencies.dropper ?? new MongoDatabaseDropper(), logger, {
      defaultImage: config.defaultImage,
      databaseDropTimeoutMs: config.databaseDropTimeoutMs,
      onProblem: (reason) => this.metrics.errors.inc({ reason }),
      onStatus: (key, status) => this.recordEnvironment(key, status),
    });
    this.queue = new WorkQueue((key) => this.reconcileKey(key), {
      concurrency: config.concurrency,
      baseBackoffMs: config.backoff.baseMs,
      maxBackoffMs: config.backoff.maxMs,
      onHandled: (key, outcome) => {
        const result = outcome.ok ? 'success' : 'error';
        this.metrics.reconciles.inc({ result });
        this.metrics.duration.observe({ result }, outcome.durationMs / 1000);
        if (!outcome.ok) {
          if (!(outcome.error instanceof ReconcileProblemsError)) this.metrics.errors.inc({ reason: 'Unexpected' });
          this.logger.warn({ environment: key, err: messageOf(outcome.error), retryInMs: outcome.retryInMs }, 'reconcile failed; will retry');
        }
      },
    });
    if (le.enabled) {
      this.elector = new LeaderElector(
        new KubernetesLeaseStore(kubeConfig, le.leaseNamespace, le.leaseName),
        { identity: le.identity, leaseDurationMs: le.leaseDurationMs, renewDeadlineMs: le.renewDeadlineMs, retryPeriodMs: le.retryPeriodMs },
        {
          onStartedLeading: () => void this.startLeading(),
          onStoppedLeading: () => void this.stoppedLeading(),
          onNewLeader: (identity) => this.logger.info({ leader: identity, me: le.identity }, identity === le.identity ? 'this replica leads' : 'another replica leads'),
          onError: (error) => this.logger.warn({ err: messageOf(error) }, 'leader election: could not read or write the Lease'),
        },
      );
    }
  }

  /** Campaigns (or leads at once without leader election). */
  async start(): Promise<void> {
    this.logger.info({ identity: this.config.leaderElection.identity, leaderElection: this.config.leaderElection.enabled, watchNamespace: this.config.watchNamespace || '(all)' }, 'operator starting');
    if (this.elector) void this.elector.start();
    else await this.startLeading();
  }

  /** Stops reconciling first, then gives up the Lease, so two leaders never work at once. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.stopWork();
    await this.elector?.stop();
  }

  health(): { leader: boolean; ready: boolean; detail: Record<string, unknown> } {
    const environments = this.environmentWatch();
    const synced = environments?.synced ?? false;
    const watches = Object.fromEntries(this.watches.map((w) => [w.spec.resource, w.waiting ? 'add-on not installed' : w.synced]));
    // A standby is ready (it is doing its job: waiting); a leader once its CaptureEnvironment cache is full.
    return { leader: this.leading, ready: !this.leading || synced, detail: { identity: this.config.leaderElection.identity, watches, queueDepth: this.queue.depth } };
  }

  private recordEnvironment(key: string, status: { ready?: boolean; certificateNotAfter?: Date } | undefined): void {
    const { namespace, name } = parseKey(key);
    const labels = { environment_namespace: namespace, environment: name };
    if (!status) {
      this.metrics.environmentReady.remove(labels);
      this.metrics.certificateExpiry.remove(labels);
      return;
    }
    this.metrics.environmentReady.set(labels, status.ready ? 1 : 0);
    if (status.certificateNotAfter) this.metrics.certificateExpiry.set(labels, status.certificateNotAfter.getTime() / 1000);
    else this.metrics.certificateExpiry.remove(labels);
  }

  private environmentWatch(): ResourceWatch | undefined {
    return this.watches.find((w) => w.spec.resource === PLURAL);
  }

  private async reconcileKey(key: string) {
    const outcome = await this.reconciler.reconcile(key);
    // Look again later: at expiry, and (while not Ready) for what no watch reports, e.g. a Secret appearing.
    const recheck = outcome.ready ? this.config.resyncMs : this.config.notReadyRecheckMs;
    return { requeueAfterMs: Math.min(outcome.requeueAfterMs ?? Infinity, recheck) };
  }

  private async startLeading(): Promise<void> {
    if (this.stopping) return;
    this.leading = true;
    this.metrics.leader.set(1);
    this.watches = this.watchSpecs().map(
      (spec) => new ResourceWatch(this.kubeConfig, spec, (key) => this.queue.add(key), this.logger, (resource) => this.metrics.watchRestarts.inc({ resource })),
    );
    // The environments' own watch first: /readyz waits for it; owned objects' watches only add keys.
    await Promise.all(this.watches.map((watch) => watch.start().catch((error) => this.logger.warn({ resource: watch.spec.resource, err: messageOf(error) }, 'watch did not start'))));
    this.resyncTimer = setInterval(() => {
      for (const environment of this.environmentWatch()?.list() ?? []) this.queue.add(keyOf(environment));
    }, this.config.resyncMs);
    this.resyncTimer.unref();
    this.logger.info({ watches: this.watches.map((w) => `${w.spec.resource}:${w.synced ? 'synced' : 'retrying'}`) }, 'leading: watching and reconciling');
  }

  private async stoppedLeading(): Promise<void> {
    this.metrics.leader.set(0);
    if (this.stopping) return;
    this.logger.error('lost the leader Lease: stopping all work');
    await this.stopWork();
    this.dependencies.onLostLeadership?.();
  }

  private async stopWork(): Promise<void> {
    this.leading = false;
    clearInterval(this.resyncTimer);
    await Promise.all(this.watches.map((watch) => watch.stop().catch(() => undefined)));
    await this.queue.shutdown();
  }

  /** The environments themselves, then every watched kind they own (environment/owned-kinds.ts). */
  private watchSpecs(): WatchSpec[] {
    const ns = this.config.watchNamespace;
    const custom = this.kubeConfig.makeApiClient(CustomObjectsApi);
    const objects = KubernetesObjectApi.makeApiClient(this.kubeConfig);
    const labelSelector = MANAGED_BY_SELECTOR;
    const path = (group: string, version: string, plural: string) =>
      `${group ? `/apis/${group}/${version}` : `/api/${version}`}${ns ? `/namespaces/${ns}` : ''}/${plural}`;
    const ownerKeys = (object: KubernetesObject) => {
      const environment = object.metadata?.labels?.[ENVIRONMENT_LABEL];
      return environment && object.metadata?.namespace ? [`${object.metadata.namespace}/${environment}`] : [];
    };
    const environments: WatchSpec = {
      resource: PLURAL,
      path: path(GROUP, VERSION, PLURAL),
      list: () =>
        (ns
          ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL })
          : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as Promise<never>,
      keysOf: (object) => [keyOf(object)],
    };
    const owned = OWNED_KINDS.filter((kind) => kind.watched).map(
      (kind): WatchSpec => ({
        resource: kind.plural,
        path: path(kind.group, kind.version, kind.plural),
        labelSelector,
        list: () => objects.list(kind.apiVersion, kind.kind, ns || undefined, undefined, undefined, undefined, undefined, labelSelector),
        keysOf: ownerKeys,
        ...(kind.addOn
          ? {
              addOn: {
                name: kind.addOn.name,
                everyMs: this.config.addOnDiscoveryMs,
                served: () => servedByDiscovery(custom, kind.group, kind.version, kind.plural),
                // Environments that asked for it before it existed are applied again now.
                onServed: () => {
                  for (const environment of this.environmentWatch()?.list() ?? []) this.queue.add(keyOf(environment));
                },
              },
            }
          : {}),
      }),
    );
    return [environments, ...owned];
  }
}

/** Whether the API server serves this kind now (discovery of its group version; a 404 is "not installed"). */
async function servedByDiscovery(custom: CustomObjectsApi, group: string, version: string, plural: string): Promise<boolean> {
  try {
    return (await custom.getAPIResources({ group, version })).resources.some((resource) => resource.name === plural);
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}
