// The Grafana dashboard shipped with the chart queries only metrics that Capturebox really exports.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CaptureboxProcess } from './support/capturebox-process';
import { declaredMetrics } from './support/prometheus-text';

const DASHBOARD = resolve(__dirname, '../../charts/capturebox/dashboards/capturebox.json');

/** Every `expr` in the dashboard, wherever it is nested. */
function expressions(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(expressions);
  if (node && typeof node === 'object') {
    return Object.entries(node).flatMap(([key, value]) => (key === 'expr' && typeof value === 'string' ? [value] : expressions(value)));
  }
  return [];
}

/** Metric names in a PromQL expression: identifiers directly followed by `{` or `[`, or ending the call. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b((?:capturebox|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1]);
}

describe('Grafana dashboard', () => {
  let box: CaptureboxProcess;
  before(async () => {
    box = await CaptureboxProcess.start();
  });
  after(async () => box.dispose());

  test('parses, and every metric it queries exists in /metrics', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: unknown[]; title: string };
    assert.equal(dashboard.title, 'Capturebox');
    const exprs = expressions(dashboard.panels);
    assert.ok(exprs.length >= 10, `dashboard has ${exprs.length} queries`);
    const exported = declaredMetrics(await (await fetch(`${box.baseUrl}/metrics`)).text());
    const queried = new Set(exprs.flatMap(metricNames));
    assert.ok(queried.size >= 10);
    for (const name of queried) {
      // Histograms are declared once and queried through their _bucket/_sum/_count series.
      const family = name.replace(/_(bucket|sum|count)$/, '');
      assert.ok(exported.has(name) || exported.has(family), `dashboard queries ${name}, which /metrics does not export`);
    }
  });
});
