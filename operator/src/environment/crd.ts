// The CaptureEnvironment CRD, generated (as kubebuilder generates CRDs from Go types): names, printer columns
// and the status schema are declared here; the spec's schema, its defaults, bounds, descriptions and CEL
// rules come from EnvironmentSpecSchema (spec.ts). `npm run generate:crd --workspace operator` writes
// crds/ and the operator chart's copy; crd.spec.ts fails when either differs from what this generates.
import { z } from 'zod';
import { stringify } from 'yaml';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from './resource';
import { EnvironmentSpecSchema } from './spec';

type JsonSchema = { [key: string]: unknown };

/** zod's JSON Schema, made structural (what the API server accepts as a CRD schema). */
function structural(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(structural);
  if (!schema || typeof schema !== 'object') return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema as JsonSchema)) {
    if (key === '$schema' || key === 'propertyNames') continue; // not part of Kubernetes' schema dialect
    out[key] = key === 'default' || key === 'x-kubernetes-validations' || key === 'enum' ? value : structural(value);
  }
  if (out['x-kubernetes-int-or-string']) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  // JSON Schema 2020's numeric exclusive bounds are OpenAPI v3.0's boolean flags beside minimum/maximum.
  if (typeof out.exclusiveMinimum === 'number') Object.assign(out, { minimum: out.exclusiveMinimum, exclusiveMinimum: true });
  if (typeof out.exclusiveMaximum === 'number') Object.assign(out, { maximum: out.exclusiveMaximum, exclusiveMaximum: true });
  if (out.format === 'date-time') delete out.pattern; // zod's own pattern for the same thing; format is enough
  // zod bounds every integer by the safe range; only the bounds the spec sets mean anything.
  if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
  if (out.minimum === Number.MIN_SAFE_INTEGER) delete out.minimum;
  return out;
}

const described = (type: string, description: string, extra: JsonSchema = {}): JsonSchema => ({ type, description, ...extra });

const STATUS_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'What the operator observed and did, written by the operator only.',
  properties: {
    observedGeneration: described('integer', 'The generation of the spec this status describes.', { format: 'int64' }),
    conditions: {
      type: 'array',
      description: 'Ready (mail is served), Progressing (a rollout is under way), Degraded (something needs a person) and TLSReady.',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      items: {
        type: 'object',
        required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
        properties: {
          type: described('string', 'Ready, Progressing, Degraded or TLSReady.'),
          status: described('string', 'True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
          observedGeneration: described('integer', 'The generation this condition was computed for.', { format: 'int64' }),
          lastTransitionTime: described('string', 'When the status last changed.', { format: 'date-time' }),
          reason: described('string', 'A one-word reason, e.g. RolloutComplete or CertManagerNotInstalled.'),
          message: described('string', 'What happened, for a person.'),
        },
      },
    },
    smtp: {
      type: 'object',
      description: 'Where applications send mail inside the cluster.',
      properties: {
        host: described('string', 'The Service name: <name>.<namespace>.svc.'),
        port: described('integer', 'SMTP with STARTTLS.'),
        implicitTlsPort: described('integer', 'SMTP with implicit TLS, when spec.smtp.implicitTls.'),
        endpoint: described('string', 'host:port.'),
      },
    },
    apiUrl: described('string', 'Base URL of the Mailsac-compatible API and web UI inside the cluster.'),
    apiKeySecretName: described('string', 'The Secret holding the admin API key (key api-key), the SMTP password.'),
    connectionSecretName: described(
      'string',
      'The Secret for an application\'s envFrom: SMTP_HOST, SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD, CAPTUREBOX_API_URL, CAPTUREBOX_API_KEY and, when known, SMTP_TLS_CA.',
    ),
    tlsSecretName: described('string', 'The kubernetes.io/tls Secret the pods serve, when one is configured.'),
    database: described('string', 'The MongoDB database of this environment (storage.type mongodb).'),
    dataClaimPhase: described('string', 'Phase of the embedded store\'s PersistentVolumeClaim (Pending: no volume bound yet).'),
    image: described('string', 'The capture image the pods run.'),
    replicas: described('integer', 'Pods asked for.'),
    availableReplicas: described('integer', 'Pods ready to serve.'),
    expiresAt: described('string', 'When the environment expires (spec.ttl or spec.expiresAt): deleted or scaled to zero, as spec.expiryPolicy says.', { format: 'date-time' }),
  },
};

export function captureEnvironmentCrd(): JsonSchema {
  const spec = structural(z.toJSONSchema(EnvironmentSpecSchema, { io: 'input' })) as JsonSchema;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${PLURAL}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'capturebox' } },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { kind: KIND, listKind: `${KIND}List`, plural: PLURAL, singular: KIND.toLowerCase(), shortNames: ['capenv'], categories: ['capturebox'] },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Reason', type: 'string', description: 'Why it is (not) Ready, in one word', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
            { name: 'SMTP', type: 'string', description: 'SMTP endpoint (STARTTLS) inside the cluster', jsonPath: '.status.smtp.endpoint' },
            { name: 'API', type: 'string', description: 'Base URL of the Mailsac-compatible API and web UI inside the cluster', jsonPath: '.status.apiUrl' },
            { name: 'Connection', type: 'string', description: 'The Secret an application takes with envFrom', priority: 1, jsonPath: '.status.connectionSecretName' },
            { name: 'Expires', type: 'string', description: 'When the environment expires (spec.ttl or spec.expiresAt; spec.expiryPolicy says what then)', priority: 1, jsonPath: '.status.expiresAt' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: 'One Capturebox email-capture appliance in this namespace.',
              required: ['spec'],
              'x-kubernetes-validations': [
                {
                  // Every owned object is named after the resource (plus "-admin", "-mongodb", ...), and a
                  // Service name must be a DNS-1035 label of at most 63 characters.
                  rule: "self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 52",
                  message: "metadata.name must be a DNS-1035 label (lower case letters, digits and '-', starting with a letter) of at most 52 characters",
                },
              ],
              properties: {
                apiVersion: described('string', `The schema version of this object: ${API_VERSION}.`),
                kind: described('string', `The kind of this object: ${KIND}.`),
                metadata: { type: 'object' },
                spec,
                status: STATUS_SCHEMA,
              },
            },
          },
        },
      ],
    },
  };
}

const HEADER = `# CaptureEnvironment: one Capturebox appliance (fake SMTP relay + Mailsac-compatible API) in the resource's
# namespace, provisioned and kept in shape by the Capturebox operator (operator/, charts/capturebox-operator).
# GENERATED from operator/src/environment/spec.ts and crd.ts by \`npm run generate:crd --workspace operator\`:
# edit those, not this file (a test fails when the two differ). charts/capturebox-operator/files/crds/ holds the same.
`;

/** The CRD file as committed: the header, then the YAML. */
export function captureEnvironmentCrdYaml(): string {
  // YAML 1.1 rules for quoting: the API server reads `off` or `True` unquoted as booleans.
  return HEADER + stringify(captureEnvironmentCrd(), { lineWidth: 0, version: '1.1' });
}
