// The Dockerfile's promises that can be read off the file: every file it copies out of the build exists after
// `npm run build`, the image starts the service the way the README does, and it runs as the user the Helm
// chart expects. The image itself is built and run as a pod in kubernetes-cluster.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './support/k8s-testbed';

const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');

describe('container image (Dockerfile)', () => {
  test('every path copied from the build stage exists after the build', () => {
    const copies = [...dockerfile.matchAll(/^COPY --from=build (\S+) \S+$/gm)].map((m) => m[1]);
    assert.ok(copies.length >= 4, `found ${copies.length} COPY --from=build lines`);
    for (const source of copies) {
      assert.ok(source.startsWith('/src/'), source);
      assert.ok(existsSync(join(REPO_ROOT, source.slice('/src/'.length))), `${source} is missing after the build`);
    }
    // The build stage copies these before `npm ci`; a missing one breaks the image build.
    for (const source of [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/))) {
      assert.ok(existsSync(join(REPO_ROOT, source)), `${source} (build context) is missing`);
    }
  });

  test('the image starts the service exactly as `npm start` (the README) does', () => {
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]) as string[];
    const start = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
    assert.equal(cmd.join(' '), start);
    assert.ok(existsSync(join(REPO_ROOT, cmd.at(-1)!)));
    assert.match(dockerfile, /^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m, 'an init forwards SIGTERM for the graceful drain');
  });

  test('it runs as the non-root user the chart declares, with the commands the chart uses', () => {
    const user = /^USER (\d+):(\d+)$/m.exec(dockerfile);
    assert.ok(user);
    const golden = readFileSync(join(REPO_ROOT, 'charts', 'capturebox', 'golden', 'default.yaml'), 'utf8');
    const pods = parseAllDocuments(golden).map((d) => d.toJSON() as { kind: string; spec: Record<string, unknown> });
    const deployment = pods.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { securityContext: { runAsUser: number } } } } };
    assert.equal(String(deployment.spec.template.spec.securityContext.runAsUser), user[1]);
    const selftest = pods.find((o) => o.kind === 'Pod') as unknown as { spec: { containers: Array<{ command: string[] }> } };
    assert.ok(existsSync(join(REPO_ROOT, selftest.spec.containers[0].command[1])), 'the helm test command exists in the image');
  });

  test('dist/ (what the image copies) holds only what runs: no spec, contract suite, fixture or test server', () => {
    const dist = join(REPO_ROOT, 'apps', 'capture', 'dist');
    const testOnly = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((file) =>
      /\.spec\.|contract|fixture|(^|\/)testing\.|(^|\/|-)test-/.test(file),
    );
    // A stale dist/ from a build before tests moved to dist-test/ also fails here: `make clean` first.
    assert.deepEqual(testOnly, [], 'test-only files compiled into apps/capture/dist');
    assert.ok(existsSync(join(dist, 'main.js')) && existsSync(join(dist, 'selftest.js')) && existsSync(join(dist, 'store', 'sqlite-writer.worker.js')));
  });
});
