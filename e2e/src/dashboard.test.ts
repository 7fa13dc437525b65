// The Grafana dashboard and the alert rules shipped with the charts query only metrics that Capturebox really
// exports.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CaptureboxProcess } from './support/capturebox-process';
import { declaredMetrics } from './support/prometheus-text';

const DASHBOARD = resolve(__dirname, '../../charts/capturebox/dashboards/capturebox.json');
// The appliance's alerts, which both charts' PrometheusRules read.
const RULES = resolve(__dirname, '../../charts/capturebox/rules/capturebox.rules.yaml');

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

/** The metrics in a PromQL expression whose selector lacks one of the dashboard's variable matchers. */
function unfiltered(expr: string): string[] {
  const matchers = ['namespace=~"$namespace"', 'service=~"$service"', 'pod=~"$pod"'];
  return [...expr.matchAll(/\b((?:capturebox|process|nodejs)_[a-z0-9_]+)(?:\{([^}]*)\})?/g)]
    .filter(([, , selector = '']) => !matchers.every((m) => selector.split(',').includes(m)))
    .map(([, name]) => name);
}

/** The queried names that /metrics does not export (histograms are declared once, queried as _bucket/_sum/_count). */
function unexported(queried: Iterable<string>, exported: Set<string>): string[] {
  return [...queried].filter((name) => !exported.has(name) && !exported.has(name.replace(/_(bucket|sum|count)$/, '')));
}

describe('Grafana dashboard and alert rules', () => {
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
    assert.deepEqual(unexported(queried, exported), [], 'the dashboard queries metrics that /metrics does not export');
  });

  test('has datasource, namespace, environment (service) and pod variables, and every panel query filters by them', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Array<Record<string, unknown>>; templating: { list: Array<{ name: string }> } };
    assert.deepEqual(dashboard.templating.list.map((v) => v.name), ['datasource', 'namespace', 'service', 'pod']);
    for (const panel of dashboard.panels) {
      const targets = panel.targets as Array<{ expr: string; datasource: { uid: string } }>;
      assert.ok(targets.length > 0, `${panel.title}: no query`);
      for (const source of [panel.datasource, ...targets.map((t) => t.datasource)]) assert.deepEqual(source, { type: 'prometheus', uid: '${datasource}' }, `${panel.title}`);
      for (const { expr } of targets) assert.deepEqual(unfiltered(expr), [], `${panel.title}: ${expr}`);
    }
    // The check can fail: a selector without the pod matcher is reported.
    assert.deepEqual(unfiltered('sum(capturebox_smtp_connections{namespace=~"$namespace",service=~"$service"})'), ['capturebox_smtp_connections']);
  });

  test('every metric an alert rule reads exists in /metrics', async () => {
    const rules = parseYaml(readFileSync(RULES, 'utf8')) as Array<{ alert: string; expr: string }>;
    assert.ok(rules.length >= 2 && rules.every((r) => r.alert && r.expr));
    const exported = declaredMetrics(await (await fetch(`${box.baseUrl}/metrics`)).text());
    const read = new Set(rules.flatMap((r) => metricNames(r.expr)));
    assert.ok(read.size >= 2, `the rules read ${[...read].join(', ')}`);
    assert.deepEqual(unexported(read, exported), []);
    // The check can fail: a misspelt metric is reported.
    assert.deepEqual(unexported(['capturebox_store_error_total'], exported), ['capturebox_store_error_total']);
  });
});
