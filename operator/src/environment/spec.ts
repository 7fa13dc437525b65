// The CaptureEnvironment spec as the operator trusts it: parsed once, where it enters, with the same defaults
// as the CRD's schema (crds/captureenvironments.capturebox.dev.yaml; a unit test keeps the two in step). The
// API server has already validated and defaulted it, so parsing here only fails for objects stored before a
// schema change; such an environment is reported Degraded (InvalidSpec) rather than half-applied.
import { z } from 'zod';

const quantity = z.union([z.string().min(1), z.number()]);
const durationPattern = /^([0-9]+(\.[0-9]+)?(h|m|s))+$/;

const SmtpSpec = z.object({
  maxMessageBytes: z.number().int().min(1024).max(104_857_600).default(1_048_576),
  auth: z.enum(['required', 'optional', 'off']).default('required'),
  implicitTls: z.boolean().default(false),
  proxyProtocol: z.boolean().default(false),
  hostname: z.string().min(1).optional(),
});

const TlsSpec = z.object({
  issuerRef: z
    .object({
      name: z.string().min(1),
      kind: z.enum(['Issuer', 'ClusterIssuer']).default('Issuer'),
      group: z.string().min(1).default('cert-manager.io'),
    })
    .optional(),
  dnsNames: z.array(z.string().min(1)).optional(),
  duration: z.string().regex(durationPattern).optional(),
  renewBefore: z.string().regex(durationPattern).optional(),
  existingSecret: z.string().min(1).optional(),
  http: z.boolean().default(false),
});

const StorageSpec = z.object({
  type: z.enum(['embedded', 'mongodb']).default('embedded'),
  embedded: z
    .object({
      size: quantity.default('1Gi'),
      storageClassName: z.string().min(1).optional(),
    })
    .prefault({}),
  mongodb: z
    .object({
      secretRef: z.object({ name: z.string().min(1), key: z.string().min(1).default('uri') }),
      database: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/).optional(),
      dropDatabaseOnDelete: z.boolean().default(false),
    })
    .optional(),
});

const ResourceList = z.record(z.string(), quantity);

export const EnvironmentSpecSchema = z
  .object({
    image: z.string().min(1).optional(),
    imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
    imagePullSecrets: z.array(z.object({ name: z.string().min(1) })).optional(),
    replicas: z.number().int().min(0).max(50).default(1),
    smtp: SmtpSpec.prefault({}),
    tls: TlsSpec.optional(),
    storage: StorageSpec.prefault({}),
    privacy: z
      .object({
        publicInboxes: z.boolean().default(true),
        adminUsername: z.string().min(1).max(64).default('admin'),
      })
      .prefault({}),
    retention: z
      .object({
        maxMessagesPerInbox: z.number().int().min(0).default(1000),
        maxAgeHours: z.number().int().min(0).default(168),
      })
      .prefault({}),
    resources: z
      .object({ requests: ResourceList.optional(), limits: ResourceList.optional() })
      .default({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } }),
    metrics: z
      .object({
        serviceMonitor: z.boolean().default(false),
        interval: z.string().regex(/^([0-9]+(ms|s|m|h))+$/).default('30s'),
        labels: z.record(z.string(), z.string()).optional(),
      })
      .prefault({}),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ttl: z.string().regex(/^([0-9]+(d|h|m|s))+$/).optional(),
    expiresAt: z.string().datetime({ offset: true }).optional(),
  })
  // The CRD's CEL rules, again, for objects that predate them.
  .refine((s) => !(s.ttl && s.expiresAt), { message: 'set ttl or expiresAt, not both' })
  .refine((s) => s.storage.type !== 'embedded' || s.replicas <= 1, { message: 'storage.type embedded allows at most 1 replica' })
  .refine((s) => s.storage.type !== 'mongodb' || s.storage.mongodb !== undefined, { message: 'storage.type mongodb needs storage.mongodb.secretRef' })
  .refine((s) => !(s.tls?.issuerRef && s.tls.existingSecret), { message: 'set tls.issuerRef or tls.existingSecret, not both' })
  .refine((s) => !s.tls?.http || Boolean(s.tls.issuerRef || s.tls.existingSecret), { message: 'tls.http needs tls.issuerRef or tls.existingSecret' });

export type EnvironmentSpec = z.infer<typeof EnvironmentSpecSchema>;
export type TlsSpec = z.infer<typeof TlsSpec>;

export class InvalidSpecError extends Error {
  override readonly name = 'InvalidSpecError';
}

/** The spec with every default filled in; throws InvalidSpecError with the reasons when it is not valid. */
export function parseEnvironmentSpec(spec: unknown): EnvironmentSpec {
  const result = EnvironmentSpecSchema.safeParse(spec ?? {});
  if (!result.success) {
    const reasons = result.error.issues.map((issue) => (issue.path.length ? `spec.${issue.path.join('.')}: ${issue.message}` : issue.message));
    throw new InvalidSpecError(reasons.join('; '));
  }
  return result.data;
}
