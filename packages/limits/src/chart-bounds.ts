// The chart's bounded values, from the shared limits: values.schema.json's minimum/maximum/default and the
// defaults in values.yaml must say the same. `node scripts/generate-chart-schema.mjs` rewrites the schema from
// here; e2e/src/shared-limits.test.ts fails when the committed schema or values.yaml disagree.
import { CONTAINER_PORT, DEFAULT_PORTS, MESSAGE_BYTES, SERVICE_PORT, type IntegerBound } from './index';

/** Chart value path (dots) -> its bound, default included. */
export const CHART_VALUE_BOUNDS: Readonly<Record<string, IntegerBound>> = {
  'smtp.port': { ...CONTAINER_PORT, default: DEFAULT_PORTS.smtp },
  'smtp.maxMessageBytes': MESSAGE_BYTES,
  'smtp.implicitTls.port': { ...CONTAINER_PORT, default: DEFAULT_PORTS.smtps },
  'http.port': { ...CONTAINER_PORT, default: DEFAULT_PORTS.http },
  'service.smtpPort': { ...SERVICE_PORT, default: DEFAULT_PORTS.smtp },
  'service.smtpsPort': { ...SERVICE_PORT, default: DEFAULT_PORTS.serviceSmtps },
  'service.httpPort': { ...SERVICE_PORT, default: DEFAULT_PORTS.http },
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
    for (const key of ['minimum', 'maximum', 'default'] as const) {
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
    if (actual !== bound.default) problems.push(`${path}: values.yaml says ${String(actual)}, the shared limits say ${String(bound.default)}`);
  }
  return problems;
}
