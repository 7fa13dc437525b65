// No Docker engine runs here, so operator/Dockerfile cannot be built in CI; what can be checked is: every
// path its final stage copies exists after `npm run build`, and it starts the operator's entry point.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..');
const dockerfile = readFileSync(join(REPO_ROOT, 'operator', 'Dockerfile'), 'utf8');

describe('operator image (operator/Dockerfile)', () => {
  test('every path copied into the build, and out of it, exists', () => {
    const fromBuild = [...dockerfile.matchAll(/^COPY --from=build \/src\/(\S+) \S+$/gm)].map((m) => m[1]);
    assert.ok(fromBuild.includes('operator/dist'), fromBuild.join(','));
    for (const path of fromBuild) assert.ok(existsSync(join(REPO_ROOT, path)), `${path} is missing after the build`);
    for (const source of [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/))) {
      assert.ok(existsSync(join(REPO_ROOT, source)), `${source} (build context) is missing`);
    }
  });

  test('it runs the compiled entry point, as a non-root user', () => {
    assert.match(dockerfile, /^CMD \["node", "operator\/dist\/main\.js"\]$/m);
    assert.match(dockerfile, /^USER 10001:10001$/m);
    assert.ok(existsSync(join(REPO_ROOT, 'operator', 'dist', 'main.js')));
    // Its own ignore file: the root .dockerignore leaves the operator out of the capture image's context.
    const ignored = readFileSync(join(REPO_ROOT, 'operator', 'Dockerfile.dockerignore'), 'utf8').split('\n');
    assert.ok(!ignored.includes('operator') && ignored.includes('**/*.spec.ts'));
  });
});
