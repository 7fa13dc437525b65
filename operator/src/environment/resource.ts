// The CaptureEnvironment custom resource as it travels over the API (group capturebox.dev, v1alpha1).
export const GROUP = 'capturebox.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'CaptureEnvironment';
export const PLURAL = 'captureenvironments';

/** The one field manager every apply of the operator uses (objects, finalizers and status). */
export const FIELD_MANAGER = 'capturebox-operator';
/** Present only while the environment asks for its MongoDB database to be dropped on delete. */
export const DROP_DATABASE_FINALIZER = 'capturebox.dev/drop-database';
/** The escape from a drop that cannot succeed: `kubectl annotate capenv <name> capturebox.dev/skip-database-drop=true`. */
export const SKIP_DATABASE_DROP_ANNOTATION = 'capturebox.dev/skip-database-drop';

export type ConditionType = 'Ready' | 'Progressing' | 'Degraded' | 'TLSReady';

export interface Condition {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface EnvironmentStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  smtp?: { host: string; port: number; implicitTlsPort?: number; endpoint: string };
  apiUrl?: string;
  apiKeySecretName?: string;
  connectionSecretName?: string;
  tlsSecretName?: string;
  database?: string;
  dataClaimPhase?: string;
  image?: string;
  replicas?: number;
  availableReplicas?: number;
  expiresAt?: string;
}

export interface CaptureEnvironment {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    generation: number;
    resourceVersion?: string;
    creationTimestamp: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: unknown;
  status?: EnvironmentStatus;
}

export function keyOf(object: { metadata?: { namespace?: string; name?: string } }): string {
  return `${object.metadata?.namespace}/${object.metadata?.name}`;
}

export function parseKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
