// The bounds and defaults that Capturebox's service (its config), the operator (the CaptureEnvironment
// schema and so the CRD) and the chart (values.yaml, values.schema.json) share. Change one here and
// regenerate: `npm run generate:crd --workspace operator` and `node scripts/generate-chart-schema.mjs`; their
// checks fail until the committed files agree.

/** A bounded integer setting: JSON-schema style, so it can be copied into the CRD and chart schemas as is. */
export interface IntegerBound {
  readonly minimum: number;
  readonly maximum?: number;
  readonly default?: number;
}

/** SMTP SIZE: the largest message accepted (larger mail gets 552). 100 MiB at most: it is buffered in memory. */
export const MESSAGE_BYTES = { minimum: 1024, maximum: 104_857_600, default: 1_048_576 } as const satisfies IntegerBound;

/**
 * A port the container listens on: 1024 or above, because the container runs as a non-root user with every
 * capability dropped. (The service itself accepts any port, 0 = pick a free one, for local runs and tests.)
 */
export const CONTAINER_PORT = { minimum: 1024, maximum: 65535 } as const satisfies IntegerBound;
/** A port of a Kubernetes Service: any, since kube-proxy maps it to the container port. */
export const SERVICE_PORT = { minimum: 1, maximum: 65535 } as const satisfies IntegerBound;

/** Where the service listens unless told otherwise. */
export const DEFAULT_PORTS = {
  /** SMTP with STARTTLS (587 style, unprivileged). */
  smtp: 5587,
  /** Implicit TLS (465 style, unprivileged); a Service exposes it as 465. */
  smtps: 5465,
  /** REST API, web UI, metrics and health. */
  http: 8080,
  /** The port a Kubernetes Service exposes implicit TLS on, as mail clients expect. */
  serviceSmtps: 465,
} as const;

/** Public inboxes keep their newest N messages; 0 = no limit. */
export const RETENTION_MAX_MESSAGES_PER_INBOX = { minimum: 0, default: 1000 } as const satisfies IntegerBound;
/** Public mail older than this many hours is pruned; 0 = keep forever. */
export const RETENTION_MAX_AGE_HOURS = { minimum: 0, default: 168 } as const satisfies IntegerBound;

/** A bounded number setting that may be fractional; `exclusiveMinimum` as JSON schema has it (above, not equal). */
export interface NumberBound {
  readonly minimum?: number;
  readonly exclusiveMinimum?: number;
  readonly maximum?: number;
  readonly default?: number;
}

/** SMTP connections open at once (past it: 421), in all and from one client IP. */
export const SMTP_MAX_CONNECTIONS = { minimum: 1, default: 1000 } as const satisfies IntegerBound;
export const SMTP_MAX_CONNECTIONS_PER_IP = { minimum: 1, default: 200 } as const satisfies IntegerBound;
/** Transactions reading or storing DATA at once; more wait for a turn. */
export const SMTP_MAX_DATA_TRANSACTIONS = { minimum: 1, default: 100 } as const satisfies IntegerBound;
/** Message bytes held in memory at once; no fixed default (it follows the SIZE limit). */
export const SMTP_MAX_INFLIGHT_BYTES = { minimum: 1 } as const satisfies IntegerBound;
/** From the DATA command to the final reply (then 451), and between two commands (then 421). */
export const SMTP_DATA_TIMEOUT_MS = { minimum: 100, default: 300_000 } as const satisfies IntegerBound;
export const SMTP_IDLE_TIMEOUT_MS = { minimum: 100, default: 60_000 } as const satisfies IntegerBound;

/** Server-side waits and Mailsac-style WebSockets open at once per process (past it: 429). */
export const MAX_WAITS = { minimum: 1, default: 10_000 } as const satisfies IntegerBound;
export const MAX_WEBSOCKETS = { minimum: 1, default: 1000 } as const satisfies IntegerBound;
/** On MongoDB, how often one look for other replicas' mail serves all open waits. */
export const REPLICA_FEED_INTERVAL_MS = { minimum: 5, maximum: 10_000, default: 20 } as const satisfies IntegerBound;

/** Webhook deliveries: each POST's timeout, retry span, POSTs at once, queue polling, longest backoff. */
export const WEBHOOK_TIMEOUT_MS = { minimum: 100, maximum: 60_000, default: 10_000 } as const satisfies IntegerBound;
export const WEBHOOK_RETRY_HOURS = { exclusiveMinimum: 0, maximum: 24 * 7, default: 24 } as const satisfies NumberBound;
export const WEBHOOK_CONCURRENCY = { minimum: 1, maximum: 256, default: 16 } as const satisfies IntegerBound;
export const WEBHOOK_POLL_MS = { minimum: 10, maximum: 60_000, default: 1_000 } as const satisfies IntegerBound;
export const WEBHOOK_BACKOFF_MAX_MS = { minimum: 10, maximum: 24 * 3_600_000, default: 3_600_000 } as const satisfies IntegerBound;

export { CHART_VALUE_BOUNDS, chartSchemaWithBounds, chartValuesDisagreements } from './chart-bounds';
export { CHAOS_BOUNDS, CHAOS_KIND_FIELDS, CHAOS_KINDS, CHAOS_STAGES, MAX_CHAOS_RULES } from './chaos-bounds';
