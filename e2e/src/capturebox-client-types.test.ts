// The client's generated types (packages/client/src/generated/openapi.ts) are what openapi-typescript makes
// of the OpenAPI document the built service serves: the check passes on the checked-in file and fails on one
// that differs by a line, so a route or schema changed without `npm run generate --workspace packages/client`
// fails `make test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLIENT = resolve(__dirname, '../../packages/client');
const GENERATE = join(CLIENT, 'scripts/generate-types.mjs');
const TYPES = join(CLIENT, 'src/generated/openapi.ts');

const check = (...args: string[]) => spawnSync(process.execPath, [GENERATE, '--check', ...args], { cwd: CLIENT, encoding: 'utf8', timeout: 60_000 });

test('the checked-in client types match the served OpenAPI document', () => {
  const result = check();
  assert.equal(result.status, 0, result.stderr + result.stdout);
  assert.match(result.stdout, /matches the served OpenAPI document/);
});

test('the check fails when the types differ from the served document', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capturebox-types-'));
  try {
    const drifted = join(dir, 'openapi.ts');
    // A schema the service no longer serves as written: one property renamed.
    const current = readFileSync(TYPES, 'utf8');
    assert.ok(current.includes('validationErrors?: string[];'));
    writeFileSync(drifted, current.replace('validationErrors?: string[];', 'validationErrorList?: string[];'));
    const result = check('--types', drifted);
    assert.equal(result.status, 1, result.stdout);
    assert.match(result.stderr, /differs from the served OpenAPI document: run `npm run generate --workspace packages\/client`/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
