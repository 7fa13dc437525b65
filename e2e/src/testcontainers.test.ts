// @capturebox/testcontainers against a real Docker engine: Debian's dockerd, started here privately
// (scripts/docker-engine.sh: installed when missing, its own socket, stopped after), with the image built
// from ./Dockerfile on the locally assembled Debian base (buildah, cached in ~/.cache/capturebox; the first
// build takes minutes) and docker-loaded. No registry is reachable, so Testcontainers' Ryuk reaper, an image
// it would pull, is disabled (TESTCONTAINERS_RYUK_DISABLED) and this file removes what it started itself.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import { DEFAULT_PORTS } from '@capturebox/limits';
import { CAPTUREBOX_PORTS, CaptureboxContainer, type StartedCaptureboxContainer } from '@capturebox/testcontainers';

const REPO = resolve(__dirname, '../..');
const ENGINE = join(REPO, 'scripts/docker-engine.sh');
const IMAGE = 'capturebox-testcontainers:test';
const SESSION_LABEL = 'org.testcontainers.session-id';

describe('@capturebox/testcontainers on a real Docker engine', () => {
  let dir: string;
  let dockerHost: string;
  const docker = (...args: string[]) => execFileSync('/usr/bin/docker', args, { env: { ...process.env, DOCKER_HOST: dockerHost }, encoding: 'utf8' }).trim();
  const ours = () => docker('ps', '--all', '--quiet', '--filter', `label=${SESSION_LABEL}`);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'capturebox-docker-'));
    dockerHost = execFileSync(ENGINE, ['start', dir], { encoding: 'utf8' }).trim();
    execFileSync(ENGINE, ['load-capturebox', dir, IMAGE], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 40 * 60_000 });
    process.env.DOCKER_HOST = dockerHost;
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  });
  after(() => {
    try {
      const left = dockerHost ? ours() : '';
      if (left) docker('rm', '--force', '--volumes', ...left.split('\n'));
    } finally {
      execFileSync(ENGINE, ['stop', dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the module\'s ports are the service\'s defaults', () => {
    assert.deepEqual(CAPTUREBOX_PORTS, { smtp: DEFAULT_PORTS.smtp, http: DEFAULT_PORTS.http });
  });

  test('start: /readyz answered, nodemailer sends with the known admin key, the ready client reads the code; stop removes the container', async () => {
    let container: StartedCaptureboxContainer | undefined;
    try {
      container = await new CaptureboxContainer(IMAGE).withAdmin('ci-admin', 'cbx_container_test_key_0123456789').start();
      assert.equal((await fetch(`${container.httpUrl}/readyz`)).status, 200);
      assert.deepEqual((await container.client.admin.listAccounts()).map((account) => account.username), ['ci-admin']);

      const after = await container.client.cursor();
      const transport = nodemailer.createTransport(container.smtp);
      await transport.sendMail({ from: 'app@shop.test', to: 'buyer@container.test', subject: 'Your login code', text: 'Your code is 731904.' });
      transport.close();
      assert.equal(await container.client.waitForCode({ to: 'buyer@container.test', after, timeoutSeconds: 10 }), '731904');

      // The key is what the container was started with: a wrong SMTP password is refused.
      const stranger = nodemailer.createTransport({ ...container.smtp, auth: { user: 'ci-admin', pass: 'not-the-key-at-all-000' } });
      await assert.rejects(stranger.sendMail({ from: 'a@b.test', to: 'c@d.test', subject: 'x', text: 'x' }), /535|Invalid login/i);
      stranger.close();
    } finally {
      await container?.stop();
    }
    assert.equal(ours(), '');
  });

  test('examples/signup-suite\'s container test passes: Capturebox in Docker, the code read with one await', () => {
    const result = spawnSync(process.execPath, ['--test', 'test-docker/'], {
      cwd: join(REPO, 'examples/signup-suite'),
      encoding: 'utf8',
      timeout: 180_000,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DOCKER_HOST: dockerHost, TESTCONTAINERS_RYUK_DISABLED: 'true', CAPTUREBOX_IMAGE: IMAGE },
    });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /# pass 1\n# fail 0/);
    assert.equal(ours(), '');
  });
});
