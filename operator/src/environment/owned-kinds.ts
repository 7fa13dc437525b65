// The kinds a CaptureEnvironment owns, declared once (controller-runtime's For().Owns()): the builders take
// their apiVersion and kind from here, the watches are made from this list, pruning names what it deletes
// with it, and the status readers find what they read by it.

export interface OwnedKind {
  apiVersion: string;
  kind: string;
  /** The API group ('' for the core group), version and plural: the watch and list paths. */
  group: string;
  version: string;
  plural: string;
  /** Watched: a change to such an object reconciles its environment again. */
  watched: boolean;
  /** Made only when the spec asks for it, and deleted (pruned) when it no longer does. */
  prunable: boolean;
  /** Served only when an optional add-on is installed; what to report when its CRDs are missing. */
  addOn?: { reason: string; name: string };
}

// Keeps apiVersion and kind as literal types, so that a builder's manifest type stays exact.
function kind<A extends string, K extends string>(apiVersion: A, kindName: K, plural: string, how: Pick<OwnedKind, 'watched' | 'prunable' | 'addOn'>) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return { apiVersion, kind: kindName, group, version, plural, ...how } satisfies OwnedKind;
}

export const OWNED = {
  deployment: kind('apps/v1', 'Deployment', 'deployments', { watched: true, prunable: false }),
  service: kind('v1', 'Service', 'services', { watched: true, prunable: false }),
  dataClaim: kind('v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', { watched: true, prunable: false }),
  // The admin key (created once), the MongoDB URI and the connection Secret (applied from the spec and the
  // admin key), and cert-manager's <name>-tls (only given an ownerReference): read back by the reconcile itself.
  secret: kind('v1', 'Secret', 'secrets', { watched: false, prunable: false }),
  // Only while replicas > 1 (a drain must leave one pod serving); pruned otherwise.
  disruptionBudget: kind('policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets', { watched: false, prunable: true }),
  certificate: kind('cert-manager.io/v1', 'Certificate', 'certificates', {
    watched: true,
    prunable: true,
    addOn: { reason: 'CertManagerNotInstalled', name: 'cert-manager' },
  }),
  serviceMonitor: kind('monitoring.coreos.com/v1', 'ServiceMonitor', 'servicemonitors', {
    watched: true,
    prunable: true,
    addOn: { reason: 'PrometheusOperatorNotInstalled', name: 'prometheus-operator' },
  }),
} as const satisfies Record<string, OwnedKind>;

export const OWNED_KINDS: readonly OwnedKind[] = Object.values(OWNED);

/** The owned kind an object is of, if any. */
export function ownedKindOf(object: { apiVersion?: string; kind?: string }): OwnedKind | undefined {
  return OWNED_KINDS.find((k) => k.apiVersion === object.apiVersion && k.kind === object.kind);
}

/** `apiVersion` and `kind` of a manifest of this kind. */
export function typeMeta<K extends OwnedKind>(owned: K): { apiVersion: K['apiVersion']; kind: K['kind'] } {
  return { apiVersion: owned.apiVersion, kind: owned.kind };
}
