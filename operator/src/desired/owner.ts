// Every object an environment owns carries its labels and a controller ownerReference to it, so the garbage
// collector removes them with it and the operator's watches can find their environment again.
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { API_VERSION, KIND, type CaptureEnvironment } from '../environment/resource';
import { commonLabels } from '../environment/names';

export type Owner = Pick<CaptureEnvironment, 'metadata'>;

export function ownerReference(owner: Owner): V1OwnerReference {
  return { apiVersion: API_VERSION, kind: KIND, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}

export function ownedMetadata(owner: Owner, name: string, extraLabels: Record<string, string> = {}): V1ObjectMeta {
  return {
    name,
    namespace: owner.metadata.namespace,
    labels: { ...extraLabels, ...commonLabels(owner.metadata) },
    ownerReferences: [ownerReference(owner)],
  };
}

/** True when `object` is controlled by this environment (same uid): only such objects are ever pruned. */
export function isOwnedBy(object: { metadata?: { ownerReferences?: V1OwnerReference[] } }, owner: Owner): boolean {
  return (object.metadata?.ownerReferences ?? []).some((ref) => ref.kind === KIND && ref.uid === owner.metadata.uid);
}
