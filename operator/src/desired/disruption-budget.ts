// A PodDisruptionBudget while more than one pod serves: a node drain evicts one pod at a time, so mail is
// still taken during it. With one pod a budget would only block the drain (or allow everything), so none.
import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import { objectNames, selectorLabels } from '../environment/names';
import { OWNED, typeMeta } from '../environment/owned-kinds';
import type { EnvironmentSpec } from '../environment/spec';
import { ownedMetadata, type Owner } from './owner';

export function buildDisruptionBudget(owner: Owner, spec: EnvironmentSpec): V1PodDisruptionBudget | undefined {
  if (spec.replicas <= 1) return undefined;
  return {
    ...typeMeta(OWNED.disruptionBudget),
    metadata: ownedMetadata(owner, objectNames(owner.metadata).disruptionBudget),
    spec: { maxUnavailable: 1 as never, selector: { matchLabels: selectorLabels(owner.metadata) } },
  };
}
