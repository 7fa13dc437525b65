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
import { buildConnectionSecret } from './connection-secret';
import { buildDisruptionBudget } from './disruption-budget';
import { buildMongoUriSecret, secretDigest, withDatabase } from './secrets';
import { buildService } from './service';
import { buildServiceMonitor } from './service-monitor';

export * from './owner';
export * from './deployment';
export * from './service';
export * from './secrets';
export * from './certificate';
export * from './service-monitor';
export * from './data-claim';
export * from './connection-secret';
export * from './disruption-budget';

export interface DesiredInputs {
  defaultImage: string;
  /** The connection string from spec.storage.mongodb.secretRef (storage.type mongodb only). */
  mongodbUri?: string;
  /** The admin key as the Secret <name>-admin holds it: the connection Secret's password; its digest rolls the pods. */
  apiKey?: string;
  /** The CA of the served certificate, when the operator can read it (the connection Secret carries it). */
  caCertificate?: string;
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
    mongodbUriDigest = secretDigest(uri);
    apply.push(buildMongoUriSecret(owner, uri));
  }
  const certificate = buildCertificate(owner, spec);
  if (certificate) apply.push(certificate);
  else absent.push({ ...typeMeta(OWNED.certificate), name: names.certificate });
  apply.push(buildService(owner, spec));
  if (inputs.apiKey) apply.push(buildConnectionSecret(owner, spec, { apiKey: inputs.apiKey, caCertificate: inputs.caCertificate }));
  const budget = buildDisruptionBudget(owner, spec);
  if (budget) apply.push(budget);
  else absent.push({ ...typeMeta(OWNED.disruptionBudget), name: names.disruptionBudget });
  const monitor = buildServiceMonitor(owner, spec);
  if (monitor) apply.push(monitor);
  else absent.push({ ...typeMeta(OWNED.serviceMonitor), name: names.serviceMonitor });
  const adminKeyDigest = inputs.apiKey ? secretDigest(inputs.apiKey) : undefined;
  apply.push(buildDeployment(owner, spec, { defaultImage: inputs.defaultImage, mongodbUriDigest, adminKeyDigest }));
  return { apply, absent };
}
