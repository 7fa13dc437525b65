#!/usr/bin/env node
// Runs the compiled tests with node's own test runner: unit and medium tests (`*.spec.js` beside the code,
// compiled into apps/*/dist-test: dist/ holds only what ships), end-to-end tests (`*.test.js` in e2e/dist) and the operator's unit and integration
// tests (`*.spec.js` and `*.test.js` in operator/dist). Node 20's runner takes no globs, so the files are
// found here. Usage: node scripts/run-tests.mjs [all|apps|e2e|operator] [name-filter]
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const [scope = 'all', filter = ''] = process.argv.slice(2);

function findTests(dir, suffix) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules') continue;
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) found.push(...findTests(full, suffix));
    else if (entry.endsWith(suffix) && full.includes(filter)) found.push(full);
  }
  return found.sort();
}

const files = [];
if (scope === 'all' || scope === 'apps') {
  for (const app of readdirSync(join(root, 'apps'))) files.push(...findTests(join(root, 'apps', app, 'dist-test'), '.spec.js'));
}
if (scope === 'all' || scope === 'e2e') files.push(...findTests(join(root, 'e2e', 'dist'), '.test.js'));
if (scope === 'all' || scope === 'operator') {
  files.push(...findTests(join(root, 'operator', 'dist'), '.spec.js'), ...findTests(join(root, 'operator', 'dist'), '.test.js'));
}

if (files.length === 0) {
  console.error(`no compiled tests found for scope "${scope}" (did the build run?)`);
  process.exit(1);
}
console.log(`running ${files.length} test files:\n  ${files.map((f) => relative(root, f)).join('\n  ')}`);
// One file at a time keeps the 2-core CI machine calm and the service ports from colliding.
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--enable-source-maps', ...files], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(result.status ?? 1);
