// A real kube-apiserver + etcd (scripts/k8s-testbed.sh) for one test file, optionally with the garbage
// collector and namespace controllers of a real kube-controller-manager. No kubelet: pods never run, so
// tests write Deployment and Certificate status themselves where a controller would.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const run = promisify(execFile);
/** From operator/dist/integration/support to the repository root. */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');
const SCRIPT = join(REPO_ROOT, 'scripts', 'k8s-testbed.sh');

export interface StartOptions {
  /** kube-controller-manager controllers to run (K8S_TESTBED_CONTROLLERS); none when unset. */
  controllers?: string;
}

export class Testbed {
  private constructor(
    readonly dir: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  static async start(options: StartOptions = {}): Promise<Testbed> {
    const dir = mkdtempSync(join(tmpdir(), 'capturebox-operator-k8s-'));
    const binDir = (await run(SCRIPT, ['bin-dir'])).stdout.trim();
    await run(SCRIPT, ['start', dir], { timeout: 180_000, env: { ...process.env, K8S_TESTBED_CONTROLLERS: options.controllers ?? '' } });
    const env: NodeJS.ProcessEnv = {
      PATH: `${binDir}:${process.env.PATH ?? ''}`,
      HOME: dir,
      KUBECONFIG: join(dir, 'kubeconfig'),
      HELM_CACHE_HOME: join(dir, 'helm', 'cache'),
      HELM_CONFIG_HOME: join(dir, 'helm', 'config'),
      HELM_DATA_HOME: join(dir, 'helm', 'data'),
    };
    return new Testbed(dir, env);
  }

  get kubeconfig(): string {
    return this.env.KUBECONFIG!;
  }

  exec(command: 'kubectl' | 'helm', args: string[], input?: string): Promise<{ stdout: string; stderr: string }> {
    return new Promise((resolvePromise, reject) => {
      const child = execFile(command, args, { env: this.env, cwd: REPO_ROOT, timeout: 120_000, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(Object.assign(new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`), { stdout, stderr }));
        else resolvePromise({ stdout, stderr });
      });
      if (input !== undefined) child.stdin!.end(input);
    });
  }

  kubectl(args: string[], input?: string) {
    return this.exec('kubectl', args, input);
  }

  /** The object as JSON, or undefined when it does not exist. */
  async get<T = Record<string, any>>(resource: string, name: string, namespace?: string): Promise<T | undefined> {
    try {
      const { stdout } = await this.kubectl(['get', resource, name, '-o', 'json', ...(namespace ? ['-n', namespace] : [])]);
      return JSON.parse(stdout) as T;
    } catch (error) {
      if (/NotFound|not found/.test((error as Error).message)) return undefined;
      throw error;
    }
  }

  apply(object: unknown, extra: string[] = []) {
    return this.kubectl(['apply', '-f', '-', ...extra], JSON.stringify(object));
  }

  /** Writes status through the status subresource, as the Deployment controller or cert-manager would. */
  patchStatus(resource: string, name: string, namespace: string, status: unknown) {
    return this.kubectl(['patch', resource, name, '-n', namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
  }

  /** A kubeconfig that authenticates as a ServiceAccount (a TokenRequest token), for RBAC to apply. */
  async serviceAccountKubeconfig(namespace: string, serviceAccount: string): Promise<string> {
    const token = (await this.kubectl(['create', 'token', serviceAccount, '-n', namespace, '--duration=2h'])).stdout.trim();
    const admin = parse(readFileSync(this.kubeconfig, 'utf8'));
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: admin.clusters,
      users: [{ name: serviceAccount, user: { token } }],
      contexts: [{ name: serviceAccount, context: { cluster: admin.clusters[0].name, user: serviceAccount, namespace } }],
      'current-context': serviceAccount,
    };
    const file = join(this.dir, `kubeconfig-${serviceAccount}`);
    writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
    return file;
  }

  async stop(): Promise<void> {
    await run(SCRIPT, ['stop', this.dir], { timeout: 90_000 }).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const TEST_CRDS = [join(REPO_ROOT, 'e2e', 'fixtures', 'crds'), join(REPO_ROOT, 'crds')];

export async function installCrds(bed: Testbed): Promise<void> {
  await bed.kubectl(['apply', '--server-side', ...TEST_CRDS.flatMap((dir) => ['-f', dir])]);
  await bed.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/certificates.cert-manager.io', 'crd/servicemonitors.monitoring.coreos.com', 'crd/captureenvironments.capturebox.dev']);
}

export async function eventually<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 30_000, intervalMs = 200): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      last = undefined;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, intervalMs));
  }
}
