// `npm run generate:crd --workspace operator`: writes the CaptureEnvironment CRD generated from the spec's
// schema to crds/ and to the operator chart's files/crds/ (the two files the repository ships; the chart's
// templates/crd.yaml renders its copy).
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { captureEnvironmentCrdYaml } from './environment/crd';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const CRD_FILES = [
  join(REPO_ROOT, 'crds', 'captureenvironments.capturebox.dev.yaml'),
  join(REPO_ROOT, 'charts', 'capturebox-operator', 'files', 'crds', 'captureenvironments.capturebox.dev.yaml'),
];

if (require.main === module) {
  const yaml = captureEnvironmentCrdYaml();
  for (const file of CRD_FILES) writeFileSync(file, yaml);
  console.log(`wrote ${CRD_FILES.join(' and ')}`);
}
