// The CaptureEnvironment spec, defined once: this schema parses what the operator trusts (with every default
// filled in), and the CRD's OpenAPI schema is generated from it (environment/crd.ts, `npm run generate:crd
// --workspace operator`; a test fails when the committed CRD differs). Each field's description is what
// `kubectl explain` shows; each cross-field rule is both a CEL rule in the CRD and a check here. The API server
// has already validated and defaulted an object, so parsing only fails for objects stored before a schema
// change; such an environment is reported Degraded (InvalidSpec) rather than half-applied.
import { z } from 'zod';
import {
  CHAOS_BOUNDS,
  CHAOS_KIND_FIELDS,
  CHAOS_KINDS,
  CHAOS_STAGES,
  MAX_CHAOS_RULES,
  MESSAGE_BYTES,
  RETENTION_MAX_AGE_HOURS,
  RETENTION_MAX_MESSAGES_PER_INBOX,
  type IntegerBound,
} from '@capturebox/limits';

/** A Kubernetes quantity (1Gi, 500m, 2): an int-or-string in the CRD. */
const QUANTITY_PATTERN = '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
const quantity = (description: string) =>
  z.union([z.string().min(1), z.number()]).meta({ description, 'x-kubernetes-int-or-string': true, pattern: QUANTITY_PATTERN });
const durationPattern = /^([0-9]+(\.[0-9]+)?(h|m|s))+$/;
/** An integer field bounded and defaulted by the limits the service and the chart share (@capturebox/limits). */
const sharedInteger = (bound: IntegerBound & { default: number }) => {
  const atLeast = z.number().int().min(bound.minimum);
  return (bound.maximum === undefined ? atLeast : atLeast.max(bound.maximum)).default(bound.default);
};
const described = <T extends z.ZodType>(schema: T, description: string) => schema.meta({ description });
/** A CEL rule of the CRD that holds once set: the field cannot change afterwards. */
const immutable = (message: string) => ({ 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message }] });

/** A rule across fields: a CEL rule for the API server and the same check for objects stored before it. */
interface CrossFieldRule<T> {
  cel: string;
  message: string;
  fieldPath?: string;
  holds: (value: T) => boolean;
}
function withRules<T extends z.ZodType>(schema: T, rules: CrossFieldRule<z.output<T>>[]) {
  return schema
    .superRefine((value, context) => {
      for (const rule of rules) if (!rule.holds(value)) context.addIssue({ code: 'custom', message: rule.message });
    })
    .meta({ 'x-kubernetes-validations': rules.map(({ cel, message, fieldPath }) => ({ rule: cel, message, ...(fieldPath ? { fieldPath } : {}) })) });
}

const SmtpSpec = z
  .object({
    maxMessageBytes: described(sharedInteger(MESSAGE_BYTES), 'SIZE limit in bytes; larger mail is refused with 552.').meta({ format: 'int64' }),
    auth: described(z.enum(['required', 'optional', 'off']).default('required'), 'required (username + API key), optional, or off (accept any login or none)'),
    implicitTls: described(z.boolean().default(false), 'Also listen with implicit TLS (465 style) on Service port 465 (container port 5465).'),
    proxyProtocol: described(z.boolean().default(false), 'Expect a PROXY protocol v1/v2 header on every SMTP connection.'),
    hostname: described(
      z.string().min(1).max(253).regex(/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/).optional(),
      "Name in the SMTP greeting; defaults to the pod's hostname.",
    ),
  })
  .meta({ description: 'The SMTP side: message size, login, implicit TLS, PROXY protocol, greeting name.' });

const IssuerRef = z
  .object({
    name: described(z.string().min(1), 'Name of the cert-manager Issuer or ClusterIssuer.'),
    kind: described(z.enum(['Issuer', 'ClusterIssuer']).default('Issuer'), 'Issuer (in this namespace) or ClusterIssuer.'),
    group: described(z.string().min(1).default('cert-manager.io'), 'API group of the issuer (cert-manager.io, or an external issuer\'s group).'),
  })
  .meta({ description: 'cert-manager issuer of a Certificate the operator creates (Secret <name>-tls).' });

const TlsSpec = withRules(
  z.object({
    issuerRef: IssuerRef.optional(),
    dnsNames: described(
      z.array(z.string().min(1).max(253)).max(32).optional(),
      "DNS names on the certificate; defaults to the Service's in-cluster names.",
    ),
    duration: described(z.string().regex(durationPattern).optional(), "Certificate lifetime, e.g. 2160h (cert-manager's default when unset)."),
    renewBefore: described(z.string().regex(durationPattern).optional(), "How long before expiry cert-manager renews it, e.g. 360h (cert-manager's default when unset)."),
    existingSecret: described(z.string().min(1).optional(), 'An existing kubernetes.io/tls Secret (tls.crt, tls.key) to serve.'),
    http: described(z.boolean().default(false), 'Also serve the HTTP side (API, UI, metrics) over HTTPS from the same certificate.'),
  }),
  [
    {
      cel: '!(has(self.issuerRef) && has(self.existingSecret))',
      message: 'set tls.issuerRef (a cert-manager Certificate) or tls.existingSecret, not both',
      holds: (t) => !(t.issuerRef && t.existingSecret),
    },
    {
      cel: '!self.http || has(self.issuerRef) || has(self.existingSecret)',
      message: 'tls.http serves the mounted certificate: set tls.issuerRef or tls.existingSecret',
      holds: (t) => !t.http || Boolean(t.issuerRef || t.existingSecret),
    },
    {
      cel: '!has(self.dnsNames) || has(self.issuerRef)',
      message: 'tls.dnsNames go on the cert-manager Certificate: set tls.issuerRef',
      holds: (t) => !t.dnsNames || Boolean(t.issuerRef),
    },
  ],
).meta({ description: 'Certificate for STARTTLS and implicit TLS. Unset = self-signed, generated at first start.' });

const StorageSpec = z
  .object({
    type: described(
      z.enum(['embedded', 'mongodb']).default('embedded'),
      'embedded: SQLite on a PersistentVolumeClaim (one replica); mongodb: a database of its own on a MongoDB server.',
    ).meta(immutable('storage.type cannot change (mail would stay behind in the old store): create a new CaptureEnvironment')),
    embedded: z
      .object({
        size: quantity('Size of the PersistentVolumeClaim holding the SQLite store, e.g. 1Gi.').default('1Gi'),
        storageClassName: described(
          z.string().min(1).optional(),
          'StorageClass of the claim (the cluster default when unset); cannot change.',
        ).meta(immutable('storage.embedded.storageClassName cannot change')),
      })
      .prefault({})
      .meta({ description: 'The embedded store: its volume.' }),
    mongodb: z
      .object({
        secretRef: z
          .object({
            name: described(z.string().min(1), 'Name of the Secret.'),
            key: described(z.string().min(1).default('uri'), 'Key in the Secret that holds the connection string.'),
          })
          .meta({ description: 'Secret in this namespace holding a mongodb:// or mongodb+srv:// connection string.' }),
        database: described(
          z.string().regex(/^[A-Za-z0-9_-]{1,63}$/).optional(),
          'Database of this environment; defaults to capturebox_<namespace>_<name>. Replaces any database in the URI.',
        ).meta(immutable('storage.mongodb.database cannot change')),
        dropDatabaseOnDelete: described(
          z.boolean().default(false),
          'Drop the database when the CaptureEnvironment is deleted (a finalizer waits for it).',
        ),
      })
      .optional()
      .meta({ description: 'The MongoDB store: where the connection string is, and which database.' }),
  })
  .meta({ description: 'Where mail is kept: the embedded SQLite store on a volume, or MongoDB.' });

/** An integer a chaos rule bounds (@capturebox/limits), no default. */
const chaosInteger = (bound: IntegerBound, description: string) => described(z.number().int().min(bound.minimum).max(bound.maximum!), description);
const chaosFieldsOf = (kind: (typeof CHAOS_KINDS)[number]): string[] => [...CHAOS_KIND_FIELDS[kind].required, ...CHAOS_KIND_FIELDS[kind].optional];
const chaosKindsTaking = (field: string) => CHAOS_KINDS.filter((kind) => chaosFieldsOf(kind).includes(field));
/** Every field some kind takes, each once. */
const CHAOS_FIELDS = [...new Set(CHAOS_KINDS.flatMap(chaosFieldsOf))];

/**
 * One chaos rule as the service's admin API takes it (README "Chaos"): one flat object (a CRD's structural
 * schema has no tagged unions), each kind's needed fields and no other kind's fields checked by CEL rules
 * generated from CHAOS_KIND_FIELDS, so a rule the API server admits is one the pods accept at start-up.
 */
const ChaosRule = withRules(
  z
    .object({
      kind: described(z.enum(CHAOS_KINDS), 'refuse or delay at a stage, rate_limit (421 past N messages per interval) or connection_limit (421 past N sessions).'),
      stage: described(z.enum(CHAOS_STAGES).optional(), 'SMTP stage of a refuse or delay rule: connect, mail, rcpt or data.'),
      code: chaosInteger(CHAOS_BOUNDS.code, 'SMTP reply code of a refuse rule (4xx or 5xx).').optional(),
      text: described(
        z.string().min(CHAOS_BOUNDS.text.minLength).max(CHAOS_BOUNDS.text.maxLength).regex(new RegExp(CHAOS_BOUNDS.text.pattern)).optional(),
        'Reply text of a refuse rule: one line of printable ASCII, e.g. "4.7.1 Try again later".',
      ),
      delayMs: chaosInteger(CHAOS_BOUNDS.delayMs, "How long a delay rule holds the stage's reply, in milliseconds.").optional(),
      probability: described(
        z.number().gt(CHAOS_BOUNDS.probability.exclusiveMinimum!).max(CHAOS_BOUNDS.probability.maximum!).optional(),
        'Chance that a refuse or delay rule fires each time it could (default 1).',
      ),
      times: chaosInteger(CHAOS_BOUNDS.times, 'A refuse or delay rule fires this many times after each pod start, then stops (absent: always).').optional(),
      messages: chaosInteger(CHAOS_BOUNDS.messages, 'Messages a rate_limit rule lets through per interval, per pod.').optional(),
      intervalMs: chaosInteger(CHAOS_BOUNDS.intervalMs, "A rate_limit rule's sliding window, in milliseconds.").optional(),
      connections: chaosInteger(CHAOS_BOUNDS.connections, 'Sessions a connection_limit rule lets be open at once, per pod.').optional(),
      scope: z
        .object({
          account: described(z.string().min(1).optional(), "Only the sessions logged in as this account (the account's id)."),
          address: described(z.string().min(CHAOS_BOUNDS.address.minLength).max(CHAOS_BOUNDS.address.maxLength).optional(), 'Only transactions to this recipient (from stage rcpt on).'),
        })
        .optional()
        .meta({ description: 'Whose mail the rule touches: one account or one address; absent: all of it.' }),
    })
    .meta({ description: 'One chaos rule (README "Chaos"): what the SMTP side does wrong, on purpose.' }),
  [
    ...CHAOS_KINDS.map((kind) => ({
      cel: `self.kind != '${kind}' || (${CHAOS_KIND_FIELDS[kind].required.map((field) => `has(self.${field})`).join(' && ')})`,
      message: `a ${kind} rule needs ${CHAOS_KIND_FIELDS[kind].required.join(', ')}`,
      holds: (rule: { kind: string } & Record<string, unknown>) => rule.kind !== kind || CHAOS_KIND_FIELDS[kind].required.every((field) => rule[field] !== undefined),
    })),
    ...CHAOS_FIELDS.map((field) => ({
      cel: `!has(self.${field}) || ${chaosKindsTaking(field).map((kind) => `self.kind == '${kind}'`).join(' || ')}`,
      message: `${field} is for ${chaosKindsTaking(field).join(' and ')} rules only`,
      holds: (rule: { kind: string } & Record<string, unknown>) => rule[field] === undefined || chaosKindsTaking(field).includes(rule.kind as never),
    })),
    {
      cel: '!has(self.scope) || (has(self.scope.account) != has(self.scope.address))',
      message: 'a scope names one account or one address',
      holds: (rule) => !rule.scope || (rule.scope.account === undefined) !== (rule.scope.address === undefined),
    },
    {
      cel: "!has(self.scope) || (!(has(self.stage) && self.stage == 'connect') && !(has(self.scope.address) && (self.kind == 'rate_limit' || (has(self.stage) && self.stage == 'mail'))))",
      message: 'a rule at connect applies to everyone (nothing is known of the session yet), an address rule from rcpt on',
      holds: (rule) => !rule.scope || (rule.stage !== 'connect' && !(rule.scope.address !== undefined && (rule.kind === 'rate_limit' || rule.stage === 'mail'))),
    },
  ],
);

const resourceList = (description: string) =>
  z.record(z.string(), quantity('A quantity, e.g. 100m or 256Mi.')).optional().meta({ description });

const SpecFields = z.object({
  image: described(
    z.string().min(1).optional(),
    "Capture service image (built from the repository's Dockerfile). Defaults to the image of the operator's release.",
  ),
  imagePullPolicy: described(z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'), 'Pull policy of the capture container.'),
  imagePullSecrets: described(
    z.array(z.object({ name: described(z.string().min(1), 'Name of a docker-registry Secret in this namespace.') })).max(16).optional(),
    'Secrets for pulling the image from a private registry.',
  ),
  replicas: described(z.number().int().min(0).max(50).default(1), 'Pods. More than one needs storage.type mongodb; 0 parks the environment.').meta({ format: 'int32' }),
  smtp: SmtpSpec.prefault({}),
  tls: TlsSpec.optional(),
  storage: StorageSpec.prefault({}),
  privacy: z
    .object({
      publicInboxes: described(z.boolean().default(true), "Anonymous reading of public inboxes (Mailsac's default)."),
      adminUsername: described(
        z.string().min(1).max(64).default('admin'),
        'Bootstrap admin account (the SMTP username); its key is in the Secret <name>-admin.',
      ),
    })
    .prefault({})
    .meta({ description: 'Who may read what: anonymous reading of public inboxes, and the admin account.' }),
  retention: z
    .object({
      maxMessagesPerInbox: described(sharedInteger(RETENTION_MAX_MESSAGES_PER_INBOX), 'Public inboxes keep their newest N messages (0 = no limit).'),
      maxAgeHours: described(sharedInteger(RETENTION_MAX_AGE_HOURS), 'Public mail older than this is pruned (0 = keep forever).'),
    })
    .prefault({})
    .meta({ description: 'How much public mail is kept.' }),
  resources: z
    .object({
      requests: resourceList('Requested CPU and memory (and any other resource) of the capture container.'),
      limits: resourceList('Limits of the capture container; memory is what matters (an OOM kill restarts the pod).'),
    })
    .default({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } })
    .meta({ description: 'Requests and limits of the capture container.' }),
  metrics: z
    .object({
      serviceMonitor: described(z.boolean().default(false), 'Create a prometheus-operator ServiceMonitor for /metrics.'),
      interval: described(z.string().regex(/^([0-9]+(ms|s|m|h))+$/).default('30s'), 'Scrape interval of the ServiceMonitor, e.g. 30s.'),
      labels: described(
        z.record(z.string(), z.string()).optional(),
        'Extra labels on the ServiceMonitor (for a Prometheus serviceMonitorSelector).',
      ).meta({ maxProperties: 16 }),
    })
    .prefault({})
    .meta({ description: 'Prometheus metrics: whether and how a ServiceMonitor scrapes /metrics.' }),
  logLevel: described(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), 'Log level of the capture service (pino JSON logs).'),
  ttl: described(
    z.string().regex(/^([0-9]+(d|h|m|s))+$/).optional(),
    'Lifetime from creation, e.g. 72h or 7d; when it is over the environment expires (see expiryPolicy).',
  ),
  expiresAt: described(z.string().datetime({ offset: true }).optional(), 'Moment after which the environment expires (RFC 3339).'),
  chaos: described(
    z.array(ChaosRule).max(MAX_CHAOS_RULES).optional(),
    'SMTP failures on demand for testing how applications cope (README "Chaos"): rules every pod starts with; ' +
      "the admin API can add or clear rules on one pod until it restarts. Changing them rolls the pods.",
  ),
  expiryPolicy: described(
    z.enum(['Delete', 'ScaleToZero']).default('Delete'),
    'What expiry does: Delete removes the environment and everything it owns; ScaleToZero keeps the object, its Secrets, ' +
      'volume and mail and runs no pod (for GitOps tools such as Argo CD, whose self-heal would recreate a deleted environment).',
  ),
});

export const EnvironmentSpecSchema = withRules(SpecFields, [
  { cel: '!(has(self.ttl) && has(self.expiresAt))', message: 'set ttl or expiresAt, not both', holds: (s) => !(s.ttl && s.expiresAt) },
  {
    cel: "self.storage.type != 'embedded' || self.replicas <= 1",
    message: 'storage.type embedded keeps mail in one pod\'s volume: use replicas 0 or 1, or storage.type mongodb for more',
    fieldPath: '.replicas',
    holds: (s) => s.storage.type !== 'embedded' || s.replicas <= 1,
  },
  {
    cel: "self.storage.type != 'mongodb' || has(self.storage.mongodb)",
    message: 'storage.type mongodb needs storage.mongodb.secretRef: a Secret holding the connection string',
    fieldPath: '.storage',
    holds: (s) => s.storage.type !== 'mongodb' || s.storage.mongodb !== undefined,
  },
]).meta({ description: 'The appliance: image, SMTP, TLS, storage, privacy, retention, resources, metrics and lifetime.' });

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
