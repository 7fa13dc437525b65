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

export { CHART_VALUE_BOUNDS, chartSchemaWithBounds, chartValuesDisagreements } from './chart-bounds';
