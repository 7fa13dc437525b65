// Names, labels and in-cluster addresses of what one CaptureEnvironment owns: all derived from the
// resource's name and namespace, so a reader (or kubectl) can find them without asking the operator.
import { createHash } from 'node:crypto';
import { DEFAULT_PORTS } from '@capturebox/limits';
import type { EnvironmentSpec } from './spec';

export const SMTP_PORT = DEFAULT_PORTS.smtp;
/** The Service's implicit-TLS port; the container listens on SMTPS_CONTAINER_PORT behind it. */
export const SMTPS_PORT = DEFAULT_PORTS.serviceSmtps;
/** Unprivileged: the container runs as non-root with every capability dropped, so it cannot bind 465. */
export const SMTPS_CONTAINER_PORT = DEFAULT_PORTS.smtps;
export const HTTP_PORT = DEFAULT_PORTS.http;
export const MANAGED_BY = 'capturebox-operator';
export const ENVIRONMENT_LABEL = 'capturebox.dev/environment';
export const MANAGED_BY_SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY}`;

export interface EnvironmentRef {
  name: string;
  namespace: string;
}

export function objectNames(environment: EnvironmentRef) {
  const { name } = environment;
  return {
    deployment: name,
    service: name,
    certificate: name,
    serviceMonitor: name,
    adminSecret: `${name}-admin`,
    tlsSecret: `${name}-tls`,
    mongodbSecret: `${name}-mongodb`,
    connectionSecret: `${name}-connection`,
    dataClaim: `${name}-data`,
    disruptionBudget: name,
  };
}

/** What the Deployment selects its pods by: stable for the environment's life. */
export function selectorLabels(environment: EnvironmentRef): Record<string, string> {
  return { 'app.kubernetes.io/name': 'capturebox', 'app.kubernetes.io/instance': environment.name };
}

export function commonLabels(environment: EnvironmentRef): Record<string, string> {
  return {
    ...selectorLabels(environment),
    'app.kubernetes.io/part-of': 'capturebox',
    'app.kubernetes.io/managed-by': MANAGED_BY,
    [ENVIRONMENT_LABEL]: environment.name,
  };
}

export function smtpHost(environment: EnvironmentRef): string {
  return `${environment.name}.${environment.namespace}.svc`;
}

export function apiUrl(environment: EnvironmentRef, spec: EnvironmentSpec): string {
  return `${spec.tls?.http ? 'https' : 'http'}://${smtpHost(environment)}:${HTTP_PORT}`;
}

/** The kubernetes.io/tls Secret the pods serve, if any: cert-manager's (ours) or the user's. */
export function tlsSecretName(environment: EnvironmentRef, spec: EnvironmentSpec): string | undefined {
  if (spec.tls?.issuerRef) return objectNames(environment).tlsSecret;
  return spec.tls?.existingSecret;
}

/**
 * The environment's own MongoDB database: the one named in the spec, else capturebox_<namespace>_<name>
 * (names longer than MongoDB's 63 bytes keep a prefix and gain a hash, so they stay unique).
 */
export function databaseName(environment: EnvironmentRef, spec: EnvironmentSpec): string {
  const named = spec.storage.mongodb?.database;
  if (named) return named;
  const full = `capturebox_${environment.namespace}_${environment.name}`;
  if (full.length <= 63) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 10);
  return `${full.slice(0, 52)}_${hash}`;
}
