// The operator's one configuration object, parsed and validated once at start-up from the environment.
// Nothing else reads process.env. Times are in seconds, as in a Deployment's manifest.
import { hostname } from 'node:os';
import { z } from 'zod';

const booleanFromEnv = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((value) => value === 'true' || value === '1' || value === 'yes');
const seconds = z.coerce.number().positive();

const EnvSchema = z.object({
  CAPTUREBOX_OPERATOR_DEFAULT_IMAGE: z.string().min(1).default('ghcr.io/capturebox/capturebox:0.1.0'),
  CAPTUREBOX_OPERATOR_WATCH_NAMESPACE: z.string().default(''),
  CAPTUREBOX_OPERATOR_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  CAPTUREBOX_OPERATOR_BIND: z.string().min(1).default('0.0.0.0'),
  CAPTUREBOX_OPERATOR_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
  CAPTUREBOX_OPERATOR_RESYNC_SECONDS: seconds.default(300),
  CAPTUREBOX_OPERATOR_NOT_READY_RECHECK_SECONDS: seconds.default(60),
  CAPTUREBOX_OPERATOR_DATABASE_DROP_TIMEOUT_SECONDS: seconds.default(600),
  CAPTUREBOX_OPERATOR_ADDON_DISCOVERY_SECONDS: seconds.default(60),
  CAPTUREBOX_OPERATOR_BACKOFF_BASE_MS: z.coerce.number().int().positive().default(500),
  CAPTUREBOX_OPERATOR_BACKOFF_MAX_SECONDS: seconds.default(300),
  CAPTUREBOX_OPERATOR_LEADER_ELECTION: booleanFromEnv.default(true),
  CAPTUREBOX_OPERATOR_LEASE_NAME: z.string().min(1).default('capturebox-operator'),
  CAPTUREBOX_OPERATOR_LEASE_NAMESPACE: z.string().default(''),
  CAPTUREBOX_OPERATOR_LEASE_DURATION_SECONDS: seconds.default(15),
  CAPTUREBOX_OPERATOR_RENEW_DEADLINE_SECONDS: seconds.default(10),
  CAPTUREBOX_OPERATOR_RETRY_PERIOD_SECONDS: seconds.default(2),
  CAPTUREBOX_OPERATOR_IDENTITY: z.string().default(''),
  CAPTUREBOX_OPERATOR_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Set by the chart through the downward API.
  POD_NAMESPACE: z.string().default(''),
  POD_NAME: z.string().default(''),
});

export interface OperatorConfig {
  defaultImage: string;
  /** Empty: every namespace. */
  watchNamespace: string;
  http: { bind: string; port: number };
  concurrency: number;
  resyncMs: number;
  notReadyRecheckMs: number;
  /** How long after a deletion request a failing MongoDB drop is retried; then the finalizer lets go. */
  databaseDropTimeoutMs: number;
  /** How often discovery is asked whether a missing add-on's API (cert-manager, prometheus-operator) appeared. */
  addOnDiscoveryMs: number;
  backoff: { baseMs: number; maxMs: number };
  leaderElection: {
    enabled: boolean;
    leaseName: string;
    leaseNamespace: string;
    identity: string;
    leaseDurationMs: number;
    renewDeadlineMs: number;
    retryPeriodMs: number;
  };
  logLevel: z.infer<typeof EnvSchema>['CAPTUREBOX_OPERATOR_LOG_LEVEL'];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  const leaseNamespace = e.CAPTUREBOX_OPERATOR_LEASE_NAMESPACE || e.POD_NAMESPACE;
  if (e.CAPTUREBOX_OPERATOR_LEADER_ELECTION && !leaseNamespace) {
    // In a pod the chart sets POD_NAMESPACE; outside one (development) the lease needs a namespace named, or
    // no election at all for a single operator.
    throw new ConfigError(
      'invalid configuration: leader election needs a namespace for its Lease: set CAPTUREBOX_OPERATOR_LEASE_NAMESPACE (e.g. default), ' +
        'or CAPTUREBOX_OPERATOR_LEADER_ELECTION=false to run a single operator outside a pod',
    );
  }
  const config: OperatorConfig = {
    defaultImage: e.CAPTUREBOX_OPERATOR_DEFAULT_IMAGE,
    watchNamespace: e.CAPTUREBOX_OPERATOR_WATCH_NAMESPACE,
    http: { bind: e.CAPTUREBOX_OPERATOR_BIND, port: e.CAPTUREBOX_OPERATOR_HTTP_PORT },
    concurrency: e.CAPTUREBOX_OPERATOR_CONCURRENCY,
    resyncMs: e.CAPTUREBOX_OPERATOR_RESYNC_SECONDS * 1000,
    notReadyRecheckMs: e.CAPTUREBOX_OPERATOR_NOT_READY_RECHECK_SECONDS * 1000,
    databaseDropTimeoutMs: e.CAPTUREBOX_OPERATOR_DATABASE_DROP_TIMEOUT_SECONDS * 1000,
    addOnDiscoveryMs: e.CAPTUREBOX_OPERATOR_ADDON_DISCOVERY_SECONDS * 1000,
    backoff: { baseMs: e.CAPTUREBOX_OPERATOR_BACKOFF_BASE_MS, maxMs: e.CAPTUREBOX_OPERATOR_BACKOFF_MAX_SECONDS * 1000 },
    leaderElection: {
      enabled: e.CAPTUREBOX_OPERATOR_LEADER_ELECTION,
      leaseName: e.CAPTUREBOX_OPERATOR_LEASE_NAME,
      leaseNamespace,
      identity: e.CAPTUREBOX_OPERATOR_IDENTITY || e.POD_NAME || `${hostname()}_${process.pid}`,
      leaseDurationMs: e.CAPTUREBOX_OPERATOR_LEASE_DURATION_SECONDS * 1000,
      renewDeadlineMs: e.CAPTUREBOX_OPERATOR_RENEW_DEADLINE_SECONDS * 1000,
      retryPeriodMs: e.CAPTUREBOX_OPERATOR_RETRY_PERIOD_SECONDS * 1000,
    },
    logLevel: e.CAPTUREBOX_OPERATOR_LOG_LEVEL,
  };
  const le = config.leaderElection;
  if (le.enabled && !(le.retryPeriodMs < le.renewDeadlineMs && le.renewDeadlineMs < le.leaseDurationMs)) {
    throw new ConfigError('invalid configuration: need retry period < renew deadline < lease duration');
  }
  return config;
}
