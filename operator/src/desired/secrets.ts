// The two Secrets an environment owns: the admin API key (generated once, then never written again) and the
// MongoDB connection string with the environment's own database in its path (kept in step with the user's).
import { createHash, randomBytes } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { objectNames } from '../environment/names';
import { OWNED, typeMeta } from '../environment/owned-kinds';
import type { EnvironmentSpec } from '../environment/spec';
import { ownedMetadata, type Owner } from './owner';

export const API_KEY_SECRET_KEY = 'api-key';

/** A new admin key, exactly as the capture service makes them: `cbx_` + 32 random bytes in base64url (43 chars). */
export function generateApiKey(): string {
  return `cbx_${randomBytes(32).toString('base64url')}`;
}

export function buildApiKeySecret(owner: Owner, spec: EnvironmentSpec, apiKey: string): V1Secret {
  return {
    ...typeMeta(OWNED.secret),
    metadata: ownedMetadata(owner, objectNames(owner.metadata).adminSecret),
    type: 'Opaque',
    data: {
      [API_KEY_SECRET_KEY]: Buffer.from(apiKey).toString('base64'),
      username: Buffer.from(spec.privacy.adminUsername).toString('base64'),
    },
  };
}

/** Puts `database` into a mongodb:// or mongodb+srv:// URI's path, keeping hosts, credentials and options. */
export function withDatabase(uri: string, database: string): string {
  const schemeEnd = uri.indexOf('://') + 3;
  const queryStart = uri.includes('?') ? uri.indexOf('?') : uri.length;
  const slash = uri.indexOf('/', schemeEnd);
  const authorityEnd = slash !== -1 && slash < queryStart ? slash : queryStart;
  return `${uri.slice(0, authorityEnd)}/${encodeURIComponent(database)}${uri.slice(queryStart)}`;
}

export function isMongoUri(uri: string): boolean {
  return /^mongodb(\+srv)?:\/\/[^/?]+/.test(uri);
}

/** Short digest of a secret value (a connection string, the admin key): a change rolls the pods without putting the secret in the spec. */
export function secretDigest(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}

export function buildMongoUriSecret(owner: Owner, uri: string): V1Secret {
  return {
    ...typeMeta(OWNED.secret),
    metadata: ownedMetadata(owner, objectNames(owner.metadata).mongodbSecret),
    type: 'Opaque',
    data: { uri: Buffer.from(uri).toString('base64') },
  };
}

export type { EnvironmentSpec };
