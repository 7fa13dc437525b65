// The chart says what the service and the operator say: its values schema carries the shared bounds
// (packages/limits) and values.yaml their defaults. Regenerate with `node scripts/generate-chart-schema.mjs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHART_VALUE_BOUNDS, chartSchemaWithBounds, chartValuesDisagreements, MESSAGE_BYTES } from '@capturebox/limits';

const CHART = join(__dirname, '..', '..', 'charts', 'capturebox');
const schemaText = readFileSync(join(CHART, 'values.schema.json'), 'utf8');

test('values.schema.json carries the shared bounds (node scripts/generate-chart-schema.mjs)', () => {
  const generated = `${JSON.stringify(chartSchemaWithBounds(JSON.parse(schemaText)), null, 2)}\n`;
  assert.equal(schemaText, generated, 'values.schema.json differs from packages/limits: regenerate it');
});

test("values.yaml's defaults are the shared defaults", () => {
  assert.deepEqual(chartValuesDisagreements(parse(readFileSync(join(CHART, 'values.yaml'), 'utf8'))), []);
});

test('a hand-edited bound or default is caught, naming both values', () => {
  const edited = JSON.parse(schemaText);
  edited.properties.smtp.properties.maxMessageBytes.maximum = 1;
  assert.notDeepEqual(chartSchemaWithBounds(edited), edited);
  const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
  values.smtp.maxMessageBytes = 10;
  assert.deepEqual(chartValuesDisagreements(values), [`smtp.maxMessageBytes: values.yaml says 10, the shared limits say ${MESSAGE_BYTES.default}`]);
  assert.ok(Object.keys(CHART_VALUE_BOUNDS).length >= 7);
});
