// A real kube-apiserver + etcd for a test file (scripts/k8s-testbed.sh), with the pinned kubectl and helm
// on the command path. Pods never run there: tests exercise the API (apply, dry-run, validation, CRDs).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO_ROOT = resolve(__dirname, '../../..');
const SCRIPT = join(REPO_ROOT, 'scripts', 'k8s-testbed.sh');

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** Runs kubectl or helm with the given environment; rejects with their stderr on failure. */
export function runKubeTool(env: NodeJS.ProcessEnv, command: 'kubectl' | 'helm', args: string[], input?: string, timeoutMs = 120_000): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(command, args, { env, cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`), { stdout, stderr }));
      else resolvePromise({ stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** PATH, KUBECONFIG and helm's directories for tools run against a cluster whose state lives in `dir`. */
export function kubeToolEnv(binDir: string, dir: string, kubeconfig: string): NodeJS.ProcessEnv {
  return {
    PATH: `${binDir}:${process.env.PATH ?? ''}`,
    HOME: dir,
    KUBECONFIG: kubeconfig,
    // helm keeps its caches and repositories in the test's own directory, not in ~.
    HELM_CACHE_HOME: join(dir, 'helm', 'cache'),
    HELM_CONFIG_HOME: join(dir, 'helm', 'config'),
    HELM_DATA_HOME: join(dir, 'helm', 'data'),
  };
}

export const TESTBED_SCRIPT = SCRIPT;

export class K8sTestbed {
  private constructor(
    readonly dir: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  static async start(): Promise<K8sTestbed> {
    const dir = mkdtempSync(join(tmpdir(), 'capturebox-k8s-'));
    const binDir = (await run(SCRIPT, ['bin-dir'])).stdout.trim();
    await run(SCRIPT, ['start', dir], { timeout: 120_000 });
    return new K8sTestbed(dir, kubeToolEnv(binDir, dir, join(dir, 'kubeconfig')));
  }

  /** Runs kubectl/helm (found on the test bed's PATH first); rejects with their stderr on failure. */
  exec(command: 'kubectl' | 'helm', args: string[], input?: string): Promise<CommandResult> {
    return runKubeTool(this.env, command, args, input);
  }

  async stop(): Promise<void> {
    await run(SCRIPT, ['stop', this.dir], { timeout: 60_000 }).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
