import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { objectNames } from '../environment/names';
import { OWNED, typeMeta } from '../environment/owned-kinds';
import type { EnvironmentSpec } from '../environment/spec';
import { ownedMetadata, type Owner } from './owner';

/** The embedded store's volume (SQLite file, generated certificate): only for storage.type embedded. */
export function buildDataClaim(owner: Owner, spec: EnvironmentSpec): V1PersistentVolumeClaim | undefined {
  if (spec.storage.type !== 'embedded') return undefined;
  const { size, storageClassName } = spec.storage.embedded;
  return {
    ...typeMeta(OWNED.dataClaim),
    metadata: ownedMetadata(owner, objectNames(owner.metadata).dataClaim),
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(storageClassName ? { storageClassName } : {}),
      resources: { requests: { storage: String(size) } },
    },
  };
}
