// Issue 14: nothing a client sends gets a 5xx. Every route the app declares, with odd path values, odd
// queries, bad bodies, content types and charsets, anonymous and with a key: every answer is below 500.
// Deterministic (a fixed list of cases), bounded (a few thousand requests on loopback).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { declaredRoutes } from './support/app-routes';
import { ADMIN_API_KEY, CaptureboxProcess } from './support/capturebox-process';

const ODD_VALUES = [
  'a@b.test',
  'x',
  '%00',
  '..%2F..%2Fetc%2Fpasswd',
  '%E0%A4%A',
  '%',
  encodeURIComponent('ü@bücher.test'),
  'xn--zz@xn--zz',
  encodeURIComponent(`${'a'.repeat(5000)}@example.com`),
  encodeURIComponent("' OR 1=1 --"),
  encodeURIComponent('<script>@x.test'),
  'AAAAAAAAAAAAAAAAAAAAAAAAAAAA-0',
  encodeURIComponent('a@[127.0.0.1]'),
  '%F0%9F%92%A9',
];
const ODD_QUERIES = ['', '?limit=1e309', '?limit=-0&until=0', '?until=9999-99-99', '?limit=1&limit=2', '?limit[]=1', `?until=${'9'.repeat(400)}`, '?messageHeadersFormat=xml&download=1&images=1', '?_mailsacKey[]=x', '?deleteAddressMessages=maybe'];
const BODIES: Array<{ type?: string; body?: string }> = [
  {},
  { type: 'application/json', body: '' },
  { type: 'application/json', body: '{"broken": ' },
  { type: 'application/json', body: '[1,2,3]' },
  { type: 'application/json', body: 'null' },
  { type: 'application/json', body: '"a string"' },
  { type: 'application/json', body: JSON.stringify({ info: 123, username: ['x'], domain: { a: 1 }, messageLimit: 1e309, label: null }) },
  { type: 'application/json', body: `{"info":"${'x'.repeat(50_000)}"}` },
  { type: 'application/json', body: `${'['.repeat(5000)}${']'.repeat(5000)}` },
  { type: 'application/json; charset=utf-16', body: '{}' },
  { type: 'application/json; charset=latin1', body: '{"info":"caf\u00e9"}' },
  { type: 'application/json; charset=bogus', body: '{}' },
  { type: 'application/json', body: 'x'.repeat(200_000) },
  { type: 'text/plain', body: 'hello' },
  { type: 'application/x-www-form-urlencoded', body: 'a=1&b[c]=2' },
  { type: 'multipart/form-data; boundary=x', body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n' },
  { type: '', body: '{}' },
];

describe('request fuzz', () => {
  let box: CaptureboxProcess;
  before(async () => {
    box = await CaptureboxProcess.start();
  });
  after(async () => box?.dispose());

  test('no route answers 5xx to anything a client sends', async () => {
    const routes = declaredRoutes();
    assert.ok(routes.length >= 40, `found ${routes.length} routes`);
    const failures: string[] = [];
    let sent = 0;
    const hit = async (method: string, path: string, key: string | null, body: { type?: string; body?: string }) => {
      const headers: Record<string, string> = {};
      if (body.type !== undefined) headers['Content-Type'] = body.type;
      const response = await box.api(path, { method, key, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body.body, signal: AbortSignal.timeout(10_000) });
      sent++;
      // A live stream never ends: its status is all there is to check.
      const live = (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
      const text = live ? (await response.body?.cancel(), '') : await response.text();
      if (response.status >= 500) failures.push(`${response.status} ${method} ${path.slice(0, 120)} ${body.type ?? ''} ${key ? 'key' : 'anon'}: ${text.slice(0, 160)}`);
    };
    // A wait without `timeout` lasts 30 s by design: bounded here so that it answers within the request's 10 s.
    const bounded = (path: string) => (/\/wait(\?|$)/.test(path) ? `${path}${path.includes('?') ? '&' : '?'}timeout=0` : path);
    for (const route of routes) {
      const method = route.method === 'ALL' ? 'GET' : route.method;
      for (const [index, value] of ODD_VALUES.entries()) {
        const path = bounded(route.path.replace(/:(\w+)/g, () => value) + ODD_QUERIES[index % ODD_QUERIES.length]);
        await hit(method, path, index % 2 === 0 ? ADMIN_API_KEY : null, {});
      }
      if (method === 'POST' || method === 'PUT' || method === 'DELETE') {
        const path = route.path.replace(/:(\w+)/g, () => 'fuzz@fuzz.test');
        for (const body of BODIES) for (const key of [null, ADMIN_API_KEY]) await hit(method, path, key, body);
      }
    }
    for (const key of [`${'k'.repeat(10_000)}`, '\u00ff\u00fe', 'cbx_unknown']) {
      const response = await fetch(`${box.baseUrl}/api/me`, { headers: { 'Mailsac-Key': encodeURIComponent(key) } });
      sent++;
      if (response.status >= 500) failures.push(`${response.status} /api/me with key ${key.slice(0, 20)}`);
    }
    console.log(`# fuzz: ${sent} requests over ${routes.length} routes`);
    assert.deepEqual(failures, []);
    assert.ok(box.running);
  });
});
