// Capturebox's own OpenAPI document (GET /api/openapi.json): served without a key, valid OpenAPI 3.1,
// naming every route the app declares and nothing else, with Mailsac's operationIds on Mailsac's routes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validate, compileErrors } from '@readme/openapi-parser';
import { readFileSync } from 'node:fs';
import { declaredRoutes } from './support/app-routes';
import { CaptureboxProcess } from './support/capturebox-process';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const METHODS = ['get', 'post', 'put', 'delete', 'patch', 'options', 'head'];

/** `/api/addresses/{email}` -> `/api/addresses/{}`: route shapes, whatever each side names its parameters. */
const shape = (path: string) => path.replace(/\{[^}]+\}/g, '{}');

function operationsOf(document: Json): Array<{ method: string; path: string; operation: Json }> {
  return Object.entries(document.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation: operation as Json })),
  );
}

describe('the OpenAPI document', () => {
  let box: CaptureboxProcess;
  let document: Json;

  before(async () => {
    box = await CaptureboxProcess.start();
    const response = await box.api('/api/openapi.json', { key: null });
    assert.equal(response.status, 200, 'served without a key');
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    document = (await response.json()) as Json;
  });

  after(async () => {
    await box?.dispose();
  });

  test('names every route the app declares, with its method and path, and no other', () => {
    const declared = declaredRoutes().map((route) => `${route.method} ${route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`).sort();
    const documented = operationsOf(document).map(({ method, path }) => `${method} ${path}`).sort();
    assert.deepEqual(documented, declared);
  });

  test('validates as OpenAPI 3.1', async () => {
    assert.equal(document.openapi, '3.1.0');
    const result = await validate(structuredClone(document) as Parameters<typeof validate>[0]);
    assert.ok(result.valid, result.valid ? '' : compileErrors(result));
  });

  test('every operation has an id, a success response and the error body on its error statuses', () => {
    for (const { method, path, operation } of operationsOf(document)) {
      const where = `${method} ${path}`;
      assert.ok(operation.operationId && operation.summary, `${where}: operationId and summary`);
      const statuses = Object.keys(operation.responses as Json);
      assert.ok(statuses.some((status) => /^2\d\d$/.test(status)), `${where}: a 2xx response`);
      assert.ok(statuses.includes('401'), `${where}: 401 (an unknown key is refused on every route)`);
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        assert.deepEqual(operation.responses[status].content['application/json'].schema, { $ref: '#/components/schemas/ErrorResponseBody' }, `${where} ${status}`);
      }
    }
  });

  test("Mailsac's routes carry Mailsac's operationIds", () => {
    const mailsac = JSON.parse(readFileSync(require.resolve('@mailsac/api/openapi.json'), 'utf8')) as Json;
    const ours = new Map(operationsOf(document).map(({ method, path, operation }) => [`${method} ${shape(path)}`, operation.operationId as string]));
    const missing: string[] = [];
    for (const { method, path, operation } of operationsOf(mailsac)) {
      if (String(operation.operationId).startsWith('_doNotUse')) continue; // docs-only entries (web sockets, webhooks)
      const key = `${method} ${shape(`/api${path}`)}`;
      if (ours.get(key) !== operation.operationId) missing.push(`${key}: ours ${ours.get(key)}, Mailsac's ${operation.operationId}`);
    }
    assert.deepEqual(missing, []);
  });
});
