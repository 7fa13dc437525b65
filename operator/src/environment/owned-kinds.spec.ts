// The owned kinds are one list: whatever a builder makes or pruning names is on it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApiKeySecret, desiredState } from '../desired';
import { DEFAULT_IMAGE, environmentFixture } from '../desired/testing';
import { OWNED, OWNED_KINDS, ownedKindOf } from './owned-kinds';

describe('owned kinds', () => {
  test('every object the builders make, and every object pruning names, is of a declared owned kind', () => {
    const everything = { tls: { issuerRef: { name: 'ca' } }, metrics: { serviceMonitor: true } };
    const mongo = { storage: { type: 'mongodb', mongodb: { secretRef: { name: 'm' } } } };
    for (const [spec, inputs] of [[everything, {}], [{}, {}], [mongo, { mongodbUri: 'mongodb://db:27017/' }]] as const) {
      const { environment, spec: parsed } = environmentFixture(spec as Record<string, unknown>);
      const state = desiredState(environment, parsed, { defaultImage: DEFAULT_IMAGE, ...inputs });
      for (const object of [...state.apply, ...state.absent, buildApiKeySecret(environment, parsed, 'cbx_x')]) {
        assert.ok(ownedKindOf(object), `${object.apiVersion} ${object.kind} is not declared in owned-kinds.ts`);
      }
      for (const ref of state.absent) assert.ok(ownedKindOf(ref)!.prunable, `${ref.kind} is pruned but not declared prunable`);
    }
  });

  test('each kind is declared once, with a plural and a group/version matching its apiVersion', () => {
    assert.equal(new Set(OWNED_KINDS.map((k) => `${k.apiVersion}/${k.kind}`)).size, OWNED_KINDS.length);
    for (const kind of OWNED_KINDS) {
      assert.equal(kind.group ? `${kind.group}/${kind.version}` : kind.version, kind.apiVersion);
      assert.match(kind.plural, /^[a-z]+s$/);
    }
    assert.deepEqual(OWNED_KINDS.filter((k) => k.addOn).map((k) => k.kind), ['Certificate', 'ServiceMonitor']);
    assert.equal(ownedKindOf({ apiVersion: 'apps/v1', kind: 'Deployment' }), OWNED.deployment);
    assert.equal(ownedKindOf({ apiVersion: 'v1', kind: 'ConfigMap' }), undefined);
  });
});
