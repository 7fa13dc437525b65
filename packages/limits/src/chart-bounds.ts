// The chart's bounded values, from the shared limits: values.schema.json's minimum/maximum/default and the
// defaults in values.yaml must say the same. `node scripts/generate-chart-schema.mjs` rewrites the schema from
// here; e2e/src/shared-limits.test.ts fails when the committed schema or values.yaml disagree.
import * as limits from './index';
import type { NumberBound } from './index';

/** Chart value path (dots) -> its bound, default included (no default: values.yaml says null, the service decides). */
export const CHART_VALUE_BOUNDS: Readonly<Record<string, NumberBound>> = {
  'smtp.port': { ...limits.CONTAINER_PORT, default: limits.DEFAULT_PORTS.smtp },
  'smtp.maxMessageBytes': limits.MESSAGE_BYTES,
  'smtp.implicitTls.port': { ...limits.CONTAINER_PORT, default: limits.DEFAULT_PORTS.smtps },
  'http.port': { ...limits.CONTAINER_PORT, default: limits.DEFAULT_PORTS.http },
  'service.smtpPort': { ...limits.SERVICE_PORT, default: limits.DEFAULT_PORTS.smtp },
  'service.smtpsPort': { ...limits.SERVICE_PORT, default: limits.DEFAULT_PORTS.serviceSmtps },
  'service.httpPort': { ...limits.SERVICE_PORT, default: limits.DEFAULT_PORTS.http },
  'smtp.limits.maxConnections': limits.SMTP_MAX_CONNECTIONS,
  'smtp.limits.maxConnectionsPerIp': limits.SMTP_MAX_CONNECTIONS_PER_IP,
  'smtp.limits.maxDataTransactions': limits.SMTP_MAX_DATA_TRANSACTIONS,
  'smtp.limits.maxInflightBytes': limits.SMTP_MAX_INFLIGHT_BYTES,
  'smtp.limits.dataTimeoutMs': limits.SMTP_DATA_TIMEOUT_MS,
  'smtp.limits.idleTimeoutMs': limits.SMTP_IDLE_TIMEOUT_MS,
  'retention.maxMessagesPerInbox': limits.RETENTION_MAX_MESSAGES_PER_INBOX,
  'retention.maxAgeHours': limits.RETENTION_MAX_AGE_HOURS,
  'waits.maxOpen': limits.MAX_WAITS,
  'waits.replicaFeedIntervalMs': limits.REPLICA_FEED_INTERVAL_MS,
  'websockets.maxOpen': limits.MAX_WEBSOCKETS,
  'webhooks.timeoutMs': limits.WEBHOOK_TIMEOUT_MS,
  'webhooks.retryHours': limits.WEBHOOK_RETRY_HOURS,
  'webhooks.concurrency': limits.WEBHOOK_CONCURRENCY,
  'webhooks.pollMs': limits.WEBHOOK_POLL_MS,
  'webhooks.backoffMaxMs': limits.WEBHOOK_BACKOFF_MAX_MS,
};

type JsonObject = { [key: string]: unknown };

function schemaNodeOf(schema: JsonObject, path: string): JsonObject {
  let node = schema;
  for (const key of path.split('.')) {
    const next = (node.properties as JsonObject | undefined)?.[key];
    if (!next || typeof next !== 'object') throw new Error(`values.schema.json has no property ${path}`);
    node = next as JsonObject;
  }
  return node;
}

/** A copy of the chart's values schema with every shared bound written in (other keys untouched). */
export function chartSchemaWithBounds(schema: JsonObject): JsonObject {
  const copy = structuredClone(schema);
  for (const [path, bound] of Object.entries(CHART_VALUE_BOUNDS)) {
    const node = schemaNodeOf(copy, path);
    for (const key of ['minimum', 'exclusiveMinimum', 'maximum', 'default'] as const) {
      if (bound[key] === undefined) delete node[key];
      else node[key] = bound[key];
    }
  }
  return copy;
}

/** Where values.yaml's defaults differ from the shared ones: "path: values.yaml says X, limits say Y". */
export function chartValuesDisagreements(values: JsonObject): string[] {
  const problems: string[] = [];
  for (const [path, bound] of Object.entries(CHART_VALUE_BOUNDS)) {
    const actual = path.split('.').reduce<unknown>((node, key) => (node as JsonObject | undefined)?.[key], values);
    const expected = bound.default ?? null;
    if (actual !== expected) problems.push(`${path}: values.yaml says ${String(actual)}, the shared limits say ${String(expected)}`);
  }
  return problems;
}
