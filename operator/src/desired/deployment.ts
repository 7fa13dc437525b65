// The appliance's Deployment, run exactly as charts/capturebox runs it: same CAPTUREBOX_* variables, the
// admin key from a Secret, /healthz and /readyz probes, non-root with a read-only root filesystem.
import type { V1Deployment, V1EnvVar, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { HTTP_PORT, SMTP_PORT, SMTPS_CONTAINER_PORT, commonLabels, objectNames, selectorLabels, tlsSecretName } from '../environment/names';
import { OWNED, typeMeta } from '../environment/owned-kinds';
import type { EnvironmentSpec } from '../environment/spec';
import { ownedMetadata, type Owner } from './owner';

export const TERMINATION_GRACE_PERIOD_SECONDS = 30;
/** Pod template annotation: a digest of the MongoDB connection string, so a changed URI rolls the pods. */
export const MONGODB_URI_DIGEST_ANNOTATION = 'capturebox.dev/mongodb-uri-digest';
/**
 * Pod template annotation: a digest of the admin key. The pods read the key once at start, so a new key (the
 * Secret deleted and made again, or rotated by hand) rolls them and the Secret and the live key agree.
 */
export const ADMIN_KEY_DIGEST_ANNOTATION = 'capturebox.dev/admin-key-digest';

export interface DeploymentInputs {
  /** spec.image when set, else this (the operator's configured default). */
  defaultImage: string;
  /** Digest of the effective MongoDB URI (storage.type mongodb only). */
  mongodbUriDigest?: string;
  /** Digest of the admin key in the Secret <name>-admin (when it could be read). */
  adminKeyDigest?: string;
}

export function buildDeployment(owner: Owner, spec: EnvironmentSpec, inputs: DeploymentInputs): V1Deployment {
  const names = objectNames(owner.metadata);
  const tlsSecret = tlsSecretName(owner.metadata, spec);
  const embedded = spec.storage.type === 'embedded';
  const httpScheme = spec.tls?.http ? 'HTTPS' : 'HTTP';
  const probe = (path: string) => ({ httpGet: { path, port: 'http', scheme: httpScheme } });

  const env: V1EnvVar[] = [
    { name: 'CAPTUREBOX_SMTP_PORT', value: String(SMTP_PORT) },
    ...(spec.smtp.implicitTls ? [{ name: 'CAPTUREBOX_SMTPS_PORT', value: String(SMTPS_CONTAINER_PORT) }] : []),
    { name: 'CAPTUREBOX_HTTP_PORT', value: String(HTTP_PORT) },
    { name: 'CAPTUREBOX_DATA_DIR', value: '/data' },
    { name: 'CAPTUREBOX_SMTP_AUTH', value: spec.smtp.auth },
    { name: 'CAPTUREBOX_SMTP_MAX_BYTES', value: String(spec.smtp.maxMessageBytes) },
    { name: 'CAPTUREBOX_SMTP_PROXY_PROTOCOL', value: String(spec.smtp.proxyProtocol) },
    ...(spec.smtp.hostname ? [{ name: 'CAPTUREBOX_SMTP_HOSTNAME', value: spec.smtp.hostname }] : []),
    { name: 'CAPTUREBOX_PUBLIC_INBOXES', value: String(spec.privacy.publicInboxes) },
    { name: 'CAPTUREBOX_RETENTION_MAX_MESSAGES_PER_INBOX', value: String(spec.retention.maxMessagesPerInbox) },
    { name: 'CAPTUREBOX_RETENTION_MAX_AGE_HOURS', value: String(spec.retention.maxAgeHours) },
    { name: 'CAPTUREBOX_LOG_LEVEL', value: spec.logLevel },
    // The rules as the admin API takes them (the spec's CEL rules admit only what the service accepts).
    ...(spec.chaos?.length ? [{ name: 'CAPTUREBOX_CHAOS', value: JSON.stringify(spec.chaos) }] : []),
    // SMTP transactions in progress get the grace period minus 5 s to finish (as in the chart).
    { name: 'CAPTUREBOX_SHUTDOWN_TIMEOUT_MS', value: String((TERMINATION_GRACE_PERIOD_SECONDS - 5) * 1000) },
    { name: 'CAPTUREBOX_ADMIN_USER', value: spec.privacy.adminUsername },
    { name: 'CAPTUREBOX_ADMIN_API_KEY', valueFrom: { secretKeyRef: { name: names.adminSecret, key: 'api-key' } } },
    ...(spec.storage.type === 'mongodb'
      ? [{ name: 'CAPTUREBOX_MONGODB_URI', valueFrom: { secretKeyRef: { name: names.mongodbSecret, key: 'uri' } } }]
      : []),
    ...(tlsSecret
      ? [
          { name: 'CAPTUREBOX_TLS_CERT_FILE', value: '/etc/capturebox/tls/tls.crt' },
          { name: 'CAPTUREBOX_TLS_KEY_FILE', value: '/etc/capturebox/tls/tls.key' },
          { name: 'CAPTUREBOX_HTTP_TLS', value: String(spec.tls?.http ?? false) },
        ]
      : []),
  ];

  const volumeMounts: V1VolumeMount[] = [
    { name: 'data', mountPath: '/data' },
    { name: 'tmp', mountPath: '/tmp' },
    ...(tlsSecret ? [{ name: 'tls', mountPath: '/etc/capturebox/tls', readOnly: true }] : []),
  ];
  const volumes: V1Volume[] = [
    embedded
      ? { name: 'data', persistentVolumeClaim: { claimName: names.dataClaim } }
      : // Mail lives in MongoDB; the data dir only holds the generated self-signed certificate.
        { name: 'data', emptyDir: { sizeLimit: '16Mi' } },
    { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
    // Mounted as a directory (no subPath) so renewals arrive through the kubelet's symlink swap.
    ...(tlsSecret ? [{ name: 'tls', secret: { secretName: tlsSecret } }] : []),
  ];

  const digests = {
    ...(inputs.mongodbUriDigest ? { [MONGODB_URI_DIGEST_ANNOTATION]: inputs.mongodbUriDigest } : {}),
    ...(inputs.adminKeyDigest ? { [ADMIN_KEY_DIGEST_ANNOTATION]: inputs.adminKeyDigest } : {}),
  };
  const annotations = Object.keys(digests).length > 0 ? digests : undefined;

  return {
    ...typeMeta(OWNED.deployment),
    metadata: ownedMetadata(owner, names.deployment),
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: selectorLabels(owner.metadata) },
      // One writer on a ReadWriteOnce volume: stop the old pod before the new one mounts it.
      strategy: embedded ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: commonLabels(owner.metadata), ...(annotations ? { annotations } : {}) },
        spec: {
          ...(spec.imagePullSecrets?.length ? { imagePullSecrets: spec.imagePullSecrets } : {}),
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: TERMINATION_GRACE_PERIOD_SECONDS,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            runAsGroup: 10001,
            fsGroup: 10001,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'capturebox',
              image: spec.image ?? inputs.defaultImage,
              imagePullPolicy: spec.imagePullPolicy,
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              ports: [
                { name: 'smtp', containerPort: SMTP_PORT, protocol: 'TCP' },
                ...(spec.smtp.implicitTls ? [{ name: 'smtps', containerPort: SMTPS_CONTAINER_PORT, protocol: 'TCP' }] : []),
                { name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' },
              ],
              env,
              startupProbe: { ...probe('/healthz'), periodSeconds: 2, failureThreshold: 30 },
              livenessProbe: { ...probe('/healthz'), periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
              readinessProbe: { ...probe('/readyz'), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
              resources: resourceRequirements(spec.resources),
              volumeMounts,
            },
          ],
          volumes,
        },
      },
    },
  };
}

function resourceRequirements(resources: EnvironmentSpec['resources']) {
  const asStrings = (list?: Record<string, string | number>) =>
    list ? Object.fromEntries(Object.entries(list).map(([name, amount]) => [name, String(amount)])) : undefined;
  return { requests: asStrings(resources.requests), limits: asStrings(resources.limits) };
}
