#!/usr/bin/env node
// Writes the shared bounds (packages/limits) into charts/capturebox/values.schema.json. values.yaml keeps its
// hand-written comments; e2e/src/shared-limits.test.ts checks its defaults and this file's output.
// Usage (after `npm run build`): node scripts/generate-chart-schema.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chartSchemaWithBounds } = require('../packages/limits');
const path = new URL('../charts/capturebox/values.schema.json', import.meta.url).pathname;
writeFileSync(path, `${JSON.stringify(chartSchemaWithBounds(JSON.parse(readFileSync(path, 'utf8'))), null, 2)}\n`);
console.log(`wrote ${path}`);
