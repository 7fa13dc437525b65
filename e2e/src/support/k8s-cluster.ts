// A one-node Kubernetes cluster where pods really run (scripts/k8s-testbed.sh cluster-up): the control plane,
// a kubelet on containerd, a bridge pod network and cluster DNS, with the capture and operator images built
// from the repository's own Dockerfiles (`images`) and loaded into the node as capturebox:test and
// capturebox-operator:test. Traffic reaches pods through `kubectl port-forward` on 127.0.0.1.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type CommandResult, TESTBED_SCRIPT, kubeToolEnv, runKubeTool } from './k8s-testbed';

const run = promisify(execFile);

/** Local ports that `kubectl port-forward` opened, by remote port; close() ends the forwarder. */
export interface PortForward {
  local(remotePort: number): number;
  close(): void;
}

export class K8sCluster {
  private readonly forwards = new Set<ChildProcess>();

  private constructor(
    readonly dir: string,
    readonly env: NodeJS.ProcessEnv,
    /** What `cluster-up` and `images` reported (timings), for the test log. */
    readonly startLog: string,
  ) {}

  /** cluster-up, then images; tears down again when either fails. */
  static async up(): Promise<K8sCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'capturebox-cluster-'));
    const binDir = (await run(TESTBED_SCRIPT, ['bin-dir'])).stdout.trim();
    try {
      const up = await run(TESTBED_SCRIPT, ['cluster-up', dir], { timeout: 300_000 });
      const kubeconfig = /^export KUBECONFIG=(\S+)$/m.exec(up.stdout)?.[1];
      if (!kubeconfig) throw new Error(`cluster-up printed no KUBECONFIG:\n${up.stdout}\n${up.stderr}`);
      // First run: a Debian base image and two npm ci builds (minutes); later runs reuse buildah's layers.
      const images = await run(TESTBED_SCRIPT, ['images', dir], { timeout: 1_800_000, maxBuffer: 16 * 1024 * 1024 });
      return new K8sCluster(dir, kubeToolEnv(binDir, dir, kubeconfig), `${up.stderr}${images.stderr}`);
    } catch (error) {
      // The directory holds what cluster-down needs (pids, saved kernel settings): kept when it fails.
      await run(TESTBED_SCRIPT, ['cluster-down', dir], { timeout: 300_000 })
        .then(() => rmSync(dir, { recursive: true, force: true }))
        .catch((down: Error) => console.error(`cluster-down ${dir} failed (directory kept): ${down.message}`));
      throw error;
    }
  }

  exec(command: 'kubectl' | 'helm', args: string[], input?: string, timeoutMs = 300_000): Promise<CommandResult> {
    return runKubeTool(this.env, command, args, input, timeoutMs);
  }

  async secretValue(namespace: string, name: string, key: string): Promise<string> {
    const { stdout } = await this.exec('kubectl', ['get', 'secret', '-n', namespace, name, '-o', `jsonpath={.data.${key.replace(/\./g, '\\.')}}`]);
    return Buffer.from(stdout, 'base64').toString('utf8');
  }

  /** `kubectl port-forward <target> :<port>...` on 127.0.0.1, resolved once every port is forwarded. */
  portForward(namespace: string, target: string, remotePorts: number[]): Promise<PortForward> {
    const child = spawn('kubectl', ['port-forward', '-n', namespace, '--address', '127.0.0.1', target, ...remotePorts.map((p) => `:${p}`)], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.forwards.add(child);
    const ports = new Map<number, number>();
    let output = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`port-forward ${target} not ready in 30 s: ${output}`)), 30_000);
      const fail = (error: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(error);
      };
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        // One line per requested port, in order; a Service's port shows as the container port it targets.
        [...output.matchAll(/^Forwarding from 127\.0\.0\.1:(\d+) -> \d+$/gm)].forEach((m, i) => ports.set(remotePorts[i], Number(m[1])));
        if (remotePorts.every((p) => ports.has(p))) {
          clearTimeout(timer);
          resolve({
            local: (remotePort) => ports.get(remotePort) ?? assertNever(remotePort),
            close: () => {
              child.kill('SIGTERM');
              this.forwards.delete(child);
            },
          });
        }
      });
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('exit', (code) => fail(new Error(`port-forward ${target} exited (${code}): ${output}`)));
    });
  }

  /** cluster-down: rejects when it fails or finds something left behind (its stderr says what). */
  async down(): Promise<string> {
    for (const child of this.forwards) child.kill('SIGKILL');
    this.forwards.clear();
    // Removed only when cluster-down succeeded: otherwise it holds what a second cluster-down needs.
    const { stderr } = await run(TESTBED_SCRIPT, ['cluster-down', this.dir], { timeout: 300_000 });
    rmSync(this.dir, { recursive: true, force: true });
    return stderr;
  }
}

function assertNever(port: number): never {
  throw new Error(`port ${port} was not forwarded`);
}
