// The built operator (`node operator/dist/main.js`) as a child process, as it runs in its pod.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, eventually } from './testbed';

export interface OperatorProcessOptions {
  kubeconfig: string;
  identity: string;
  leaseNamespace: string;
  leaseName?: string;
  env?: Record<string, string>;
}

/** Fast timings so leadership changes within seconds; the chart's defaults are 15/10/2 s. */
export const FAST_LEADER_ELECTION = {
  CAPTUREBOX_OPERATOR_LEASE_DURATION_SECONDS: '3',
  CAPTUREBOX_OPERATOR_RENEW_DEADLINE_SECONDS: '2',
  CAPTUREBOX_OPERATOR_RETRY_PERIOD_SECONDS: '0.5',
};

export class OperatorProcess {
  readonly lines: Array<Record<string, any>> = [];
  private stderr = '';
  private exit?: Promise<number | null>;
  port = 0;

  private constructor(
    readonly identity: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(options: OperatorProcessOptions): Promise<OperatorProcess> {
    const child = spawn(process.execPath, ['--enable-source-maps', join(REPO_ROOT, 'operator', 'dist', 'main.js')], {
      env: {
        PATH: process.env.PATH,
        KUBECONFIG: options.kubeconfig,
        CAPTUREBOX_OPERATOR_IDENTITY: options.identity,
        CAPTUREBOX_OPERATOR_LEASE_NAMESPACE: options.leaseNamespace,
        CAPTUREBOX_OPERATOR_LEASE_NAME: options.leaseName ?? 'capturebox-operator',
        CAPTUREBOX_OPERATOR_BIND: '127.0.0.1',
        CAPTUREBOX_OPERATOR_HTTP_PORT: '0',
        CAPTUREBOX_OPERATOR_BACKOFF_BASE_MS: '200',
        CAPTUREBOX_OPERATOR_BACKOFF_MAX_SECONDS: '3',
        CAPTUREBOX_OPERATOR_NOT_READY_RECHECK_SECONDS: '5',
        CAPTUREBOX_OPERATOR_DEFAULT_IMAGE: 'registry.test/capturebox:test',
        CAPTUREBOX_OPERATOR_LOG_LEVEL: 'debug',
        ...FAST_LEADER_ELECTION,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const operator = new OperatorProcess(options.identity, child);
    operator.exit = new Promise((resolvePromise) => child.once('exit', (code) => resolvePromise(code)));
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          operator.lines.push(JSON.parse(line));
        } catch {
          operator.lines.push({ msg: line });
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (operator.stderr += chunk.toString()));
    const serving = await eventually(() => operator.lines.find((l) => l.msg === 'serving /metrics, /healthz and /readyz') ?? (operator.child.exitCode !== null ? Promise.reject(new Error(operator.stderr)) : undefined), `${options.identity} to start`, 30_000, 50);
    operator.port = serving.port;
    return operator;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get log(): string {
    return `${this.lines.map((l) => JSON.stringify(l)).join('\n')}\n${this.stderr}`;
  }

  async http(path: string): Promise<{ status: number; body: string }> {
    const response = await fetch(`http://127.0.0.1:${this.port}${path}`);
    return { status: response.status, body: await response.text() };
  }

  async leads(): Promise<boolean> {
    if (!this.running) return false;
    const { body } = await this.http('/metrics');
    return /^capturebox_operator_leader 1$/m.test(body);
  }

  /** SIGTERM (or SIGKILL) and wait for the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.running) this.child.kill(signal);
    const timeout = setTimeout(() => this.child.kill('SIGKILL'), 25_000);
    try {
      return await this.exit!;
    } finally {
      clearTimeout(timeout);
    }
  }
}
