// The operator's own Prometheus metrics (capturebox_operator_*), in one class, on its own registry.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconciles: Counter<'result'>;
  readonly errors: Counter<'reason'>;
  readonly duration: Histogram<'result'>;
  readonly queueDepth: Gauge;
  readonly queueDelayed: Gauge;
  readonly leader: Gauge;
  readonly environments: Gauge;
  readonly watchRestarts: Counter<'resource'>;
  /** Per environment: labels environment_namespace and environment (namespace would clash with the scrape's own). */
  readonly environmentReady: Gauge<'environment_namespace' | 'environment'>;
  readonly certificateExpiry: Gauge<'environment_namespace' | 'environment'>;

  constructor(sources: { queueDepth: () => number; queueDelayed: () => number; environments: () => number }) {
    const registers = [this.registry];
    this.reconciles = new Counter({ name: 'capturebox_operator_reconciles_total', help: 'Reconciles of CaptureEnvironments by result (success, error)', labelNames: ['result'], registers });
    this.errors = new Counter({
      name: 'capturebox_operator_reconcile_errors_total',
      help: 'Problems met while reconciling, by reason (ApplyFailed, MongoDBSecretNotFound, CertManagerNotInstalled, ..., Unexpected)',
      labelNames: ['reason'],
      registers,
    });
    this.duration = new Histogram({
      name: 'capturebox_operator_reconcile_duration_seconds',
      help: 'Time one reconcile took',
      labelNames: ['result'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.queueDepth = new Gauge({ name: 'capturebox_operator_work_queue_depth', help: 'Keys waiting in the work queue', registers, collect() { this.set(sources.queueDepth()); } });
    this.queueDelayed = new Gauge({ name: 'capturebox_operator_work_queue_delayed', help: 'Keys waiting for a backoff or requeue delay', registers, collect() { this.set(sources.queueDelayed()); } });
    this.leader = new Gauge({ name: 'capturebox_operator_leader', help: '1 while this replica holds the leader Lease', registers });
    this.environments = new Gauge({ name: 'capturebox_operator_environments', help: 'CaptureEnvironments in the watch cache', registers, collect() { this.set(sources.environments()); } });
    this.watchRestarts = new Counter({ name: 'capturebox_operator_watch_restarts_total', help: 'Watches restarted after an error, by resource', labelNames: ['resource'], registers });
    const labelNames = ['environment_namespace', 'environment'] as const;
    this.environmentReady = new Gauge({ name: 'capturebox_operator_environment_ready', help: '1 while the environment\'s Ready condition is True (mail is served), else 0', labelNames, registers });
    this.certificateExpiry = new Gauge({
      name: 'capturebox_operator_environment_certificate_expiry_timestamp_seconds',
      help: 'When the cert-manager certificate an environment serves expires (its status.notAfter), in Unix seconds',
      labelNames,
      registers,
    });
    for (const result of ['success', 'error']) this.reconciles.inc({ result }, 0);
    collectDefaultMetrics({ register: this.registry });
  }
}
