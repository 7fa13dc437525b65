// The connection Secret: everything an application needs to send to and read from its environment, as
// environment variables (`envFrom: [{ secretRef: { name: <name>-connection } }]`). Applied from the spec and
// the admin key on every reconcile, so it follows a new key or a changed address.
import type { V1Secret } from '@kubernetes/client-node';
import { SMTP_PORT, apiUrl, objectNames, smtpHost } from '../environment/names';
import { OWNED, typeMeta } from '../environment/owned-kinds';
import type { EnvironmentSpec } from '../environment/spec';
import { ownedMetadata, type Owner } from './owner';

/** The keys, each a valid environment variable name (README "Connection Secret"). */
export const CONNECTION_KEYS = {
  host: 'SMTP_HOST',
  port: 'SMTP_PORT',
  username: 'SMTP_USERNAME',
  password: 'SMTP_PASSWORD',
  apiUrl: 'CAPTUREBOX_API_URL',
  apiKey: 'CAPTUREBOX_API_KEY',
  /** PEM of the CA that signed the served certificate; absent with the self-signed certificate (made in the pod). */
  caCertificate: 'SMTP_TLS_CA',
} as const;

export interface ConnectionInputs {
  apiKey: string;
  caCertificate?: string;
}

export function buildConnectionSecret(owner: Owner, spec: EnvironmentSpec, inputs: ConnectionInputs): V1Secret {
  const values: Record<string, string> = {
    [CONNECTION_KEYS.host]: smtpHost(owner.metadata),
    [CONNECTION_KEYS.port]: String(SMTP_PORT),
    [CONNECTION_KEYS.username]: spec.privacy.adminUsername,
    [CONNECTION_KEYS.password]: inputs.apiKey,
    [CONNECTION_KEYS.apiUrl]: apiUrl(owner.metadata, spec),
    [CONNECTION_KEYS.apiKey]: inputs.apiKey,
    ...(inputs.caCertificate ? { [CONNECTION_KEYS.caCertificate]: inputs.caCertificate } : {}),
  };
  return {
    ...typeMeta(OWNED.secret),
    metadata: ownedMetadata(owner, objectNames(owner.metadata).connectionSecret),
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(values).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
  };
}
