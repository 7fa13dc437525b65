// The committed CRD is what the spec's schema generates, and every field explains itself.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CRD_FILES } from '../generate-crd';
import { captureEnvironmentCrd, captureEnvironmentCrdYaml } from './crd';

type Schema = { description?: string; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema | boolean };

/** Paths of the fields (below `at`) that have no description: what `kubectl explain` would show empty. */
function undescribed(schema: Schema, at: string): string[] {
  const missing = schema.description?.trim() ? [] : [at];
  for (const [name, child] of Object.entries(schema.properties ?? {})) missing.push(...undescribed(child, `${at}.${name}`));
  if (schema.items?.properties) missing.push(...undescribed(schema.items, `${at}[]`).filter((p) => p !== `${at}[]`));
  return missing;
}

describe('CaptureEnvironment CRD', () => {
  test('the committed files are exactly what environment/spec.ts and crd.ts generate', () => {
    const generated = captureEnvironmentCrdYaml();
    for (const file of CRD_FILES) {
      assert.equal(readFileSync(file, 'utf8'), generated, `${file} differs from the generated CRD: run \`npm run generate:crd --workspace operator\` (and edit spec.ts, not the YAML)`);
    }
  });

  test('every spec and status field has a description (kubectl explain shows none empty)', () => {
    const root = (captureEnvironmentCrd() as { spec: { versions: Array<{ schema: { openAPIV3Schema: Schema } }> } }).spec.versions[0].schema.openAPIV3Schema;
    assert.deepEqual(undescribed(root.properties!.spec, 'spec'), []);
    assert.deepEqual(undescribed(root.properties!.status, 'status'), []);
  });
});
