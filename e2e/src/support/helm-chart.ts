// The app chart as the chart tests read it: where it is, and its rendering parsed into objects.
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './k8s-testbed';

export const CHART = join(REPO_ROOT, 'charts', 'capturebox');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Every object of a multi-document manifest (empty documents dropped). */
export function objects(manifest: string): K8sObject[] {
  return parseAllDocuments(manifest)
    .map((doc) => doc.toJSON() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** The manifest without the `helm test` hook pod: what `kubectl apply` (or a GitOps tool) should create. */
export function withoutTestHooks(manifest: string): string {
  return manifest
    .split(/^---$/m)
    .filter((doc) => !doc.includes('helm.sh/hook: test'))
    .join('---\n');
}
