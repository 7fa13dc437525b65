// Desired state: pure functions from (environment, parsed spec, inputs read from the cluster) to the exact
// objects to server-side-apply. No I/O, no clock, no randomness here (the API key is an input).
import type { KubernetesObject } from '@kubernetes/client-node';
import { databaseName, objectNames } from '../environment/names';
import { OWNED, typeMeta } from '../environment/owned-kinds';
import type { EnvironmentSpec } from '../environment/spec';
import { buildCertificate } from './certificate';
import { buildDataClaim } from './data-claim';
import { buildDeployment } from './deployment';
import type { Owner } from './owner';
import { buildMongoUriSecret, uriDigest, withDatabase } from './secrets';
import { buildService } from './service';
import { buildServiceMonitor } from './service-monitor';

export * from './owner';
export * from './deployment';
export * from './service';
export * from './secrets';
export * from './certificate';
export * from './service-monitor';
export * from './data-claim';

export interface DesiredInputs {
  defaultImage: string;
  /** The connection string from spec.storage.mongodb.secretRef (storage.type mongodb only). */
  mongodbUri?: string;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
}

export interface DesiredState {
  /** Objects to apply, in this order (what the Deployment mounts comes before it). */
  apply: KubernetesObject[];
  /** Optional objects the spec no longer asks for: deleted when this environment owns them. */
  absent: ObjectRef[];
}

export function desiredState(owner: Owner, spec: EnvironmentSpec, inputs: DesiredInputs): DesiredState {
  const names = objectNames(owner.metadata);
  let mongodbUriDigest: string | undefined;
  const apply: KubernetesObject[] = [];
  const absent: ObjectRef[] = [];

  const claim = buildDataClaim(owner, spec);
  if (claim) apply.push(claim);
  if (spec.storage.type === 'mongodb') {
    if (!inputs.mongodbUri) throw new Error('storage.type mongodb needs the connection string as an input');
    const uri = withDatabase(inputs.mongodbUri, databaseName(owner.metadata, spec));
    mongodbUriDigest = uriDigest(uri);
    apply.push(buildMongoUriSecret(owner, uri));
  }
  const certificate = buildCertificate(owner, spec);
  if (certificate) apply.push(certificate);
  else absent.push({ ...typeMeta(OWNED.certificate), name: names.certificate });
  apply.push(buildService(owner, spec));
  const monitor = buildServiceMonitor(owner, spec);
  if (monitor) apply.push(monitor);
  else absent.push({ ...typeMeta(OWNED.serviceMonitor), name: names.serviceMonitor });
  apply.push(buildDeployment(owner, spec, { defaultImage: inputs.defaultImage, mongodbUriDigest }));
  return { apply, absent };
}
