// The benchmark's SMTP load generator: N connections on loopback, each kept open and sending transactions
// back to back (MAIL FROM, RCPT TO, DATA, the message; no PIPELINING, no TLS, no AUTH, identical for every
// target), until a message count or a time limit is reached, whichever comes first. Transaction latency is
// measured from writing MAIL FROM to reading the final reply to the message.
import { connect, type Socket } from 'node:net';
import type { MessageTemplate } from './messages';

export interface Reply {
  code: number;
  text: string;
}

/** One client connection; replies are read one at a time (no pipelining). */
export class SmtpClient {
  private pending: { resolve: (reply: Reply) => void; reject: (error: Error) => void; timer: NodeJS.Timeout } | null = null;
  private buffered = '';
  private lines: string[] = [];
  private closedError: Error | null = null;

  private constructor(private readonly socket: Socket, private readonly replyTimeoutMs: number) {
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static open(port: number, replyTimeoutMs = 30_000): Promise<SmtpClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        const client = new SmtpClient(socket, replyTimeoutMs);
        client
          .read()
          .then((greeting) => {
            if (greeting.code !== 220) throw new Error(`greeting ${greeting.code} ${greeting.text}`);
            return client.command('EHLO bench.capturebox.test\r\n');
          })
          .then((ehlo) => {
            if (ehlo.code !== 250) throw new Error(`EHLO answered ${ehlo.code} ${ehlo.text}`);
            resolve(client);
          })
          .catch((error: Error) => {
            client.destroy();
            reject(error);
          });
      });
    });
  }

  command(data: string | Buffer): Promise<Reply> {
    const reply = this.read();
    this.socket.write(data);
    return reply;
  }

  async quit(): Promise<void> {
    if (this.closedError) return;
    await Promise.race([this.command('QUIT\r\n').catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000))]);
    this.destroy();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private read(): Promise<Reply> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (this.pending) return Promise.reject(new Error('a reply is already awaited'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new Error('reply timeout'));
        this.socket.destroy();
      }, this.replyTimeoutMs);
      this.pending = { resolve, reject, timer };
      this.deliver();
    });
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let end: number;
    while ((end = this.buffered.indexOf('\r\n')) >= 0) {
      this.lines.push(this.buffered.slice(0, end));
      this.buffered = this.buffered.slice(end + 2);
    }
    this.deliver();
  }

  /** Hands a complete reply (its last line has a space after the code) to the waiting reader. */
  private deliver(): void {
    if (!this.pending) return;
    const last = this.lines.findIndex((line) => line.length < 4 || line[3] === ' ');
    if (last < 0) return;
    const replyLines = this.lines.splice(0, last + 1);
    const { resolve, timer } = this.pending;
    this.pending = null;
    clearTimeout(timer);
    resolve({ code: Number(replyLines[last]!.slice(0, 3)), text: replyLines.map((line) => line.slice(4)).join('\n') });
  }

  private fail(error: Error): void {
    this.closedError ??= error;
    if (!this.pending) return;
    const { reject, timer } = this.pending;
    this.pending = null;
    clearTimeout(timer);
    reject(error);
  }
}

export interface Probe {
  seq: number;
  recipient: string;
  /** `<runId>-<seq>`: in the Subject and Message-ID of its message. */
  token: string;
}

/** Whether `token` is a message of the same load as `probe` that was started after it. */
export function laterInSameLoad(token: string, probe: Probe): boolean {
  const dash = token.lastIndexOf('-');
  return token.slice(0, dash) === probe.token.slice(0, probe.token.lastIndexOf('-')) && Number(token.slice(dash + 1)) > probe.seq;
}

export interface LoadOptions {
  port: number;
  connections: number;
  maxMessages: number;
  maxSeconds: number;
  template: Pick<MessageTemplate, 'build'>;
  /** Unique per run, part of every token. */
  runId: string;
  /** Who each message goes to (default: inboxAddress, rotating over INBOXES). */
  recipientOf?: (seq: number) => string;
  /**
   * Asked before each transaction; when it returns true, the message goes to a unique recipient and
   * `onProbeAccepted` is called at its 250.
   */
  wantProbe?: (seq: number) => boolean;
  onProbeAccepted?: (probe: Probe, acceptedAt: number) => void;
  onProbeFailed?: (probe: Probe) => void;
}

export interface LoadResult {
  connections: number;
  attempted: number;
  accepted: number;
  failed: number;
  /** Failures by reply code ("451") or by what went wrong ("connection closed", "reply timeout"). */
  failures: Record<string, number>;
  bytesAccepted: number;
  elapsedSeconds: number;
  /** MAIL FROM to the final 250, milliseconds, of the accepted transactions. */
  latenciesMs: Float64Array;
  stoppedBy: 'count' | 'time';
}

const SENDER_COMMAND = 'MAIL FROM:<load@bench.capturebox.test>\r\n';

/**
 * Recipients rotate over this many inboxes: 100,000 messages make 100 inboxes of 1,000, which Capturebox's
 * default retention (the newest 1,000 per inbox) keeps whole.
 */
export const INBOXES = 100;

export function inboxAddress(index: number): string {
  return `bench-${index % INBOXES}@bench.capturebox.test`;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const clients = await Promise.all(Array.from({ length: options.connections }, () => SmtpClient.open(options.port)));
  const latencies = new Float64Array(options.maxMessages);
  const failures: Record<string, number> = {};
  let next = 0;
  let accepted = 0;
  let failed = 0;
  let bytesAccepted = 0;
  const started = performance.now();
  const deadline = started + options.maxSeconds * 1000;
  const fail = (reason: string) => {
    failed++;
    failures[reason] = (failures[reason] ?? 0) + 1;
  };

  const worker = async (client: SmtpClient): Promise<void> => {
    while (next < options.maxMessages && performance.now() < deadline) {
      const seq = next++;
      const token = `${options.runId}-${seq}`;
      const probe = options.wantProbe?.(seq) ? { seq, recipient: `probe-${token}@bench.capturebox.test`, token } : null;
      const recipient = probe ? probe.recipient : (options.recipientOf ?? inboxAddress)(seq);
      const message = options.template.build(seq, recipient, token);
      const t0 = performance.now();
      try {
        const mail = await client.command(SENDER_COMMAND);
        if (mail.code !== 250) throw new Refused(mail);
        const rcpt = await client.command(`RCPT TO:<${recipient}>\r\n`);
        if (rcpt.code !== 250) throw new Refused(rcpt);
        const data = await client.command('DATA\r\n');
        if (data.code !== 354) throw new Refused(data);
        const done = await client.command(message);
        if (done.code !== 250) throw new Refused(done);
        const t1 = performance.now();
        latencies[accepted++] = t1 - t0;
        bytesAccepted += message.length - 3; // without the final ".\r\n"
        if (probe) options.onProbeAccepted?.(probe, t1);
      } catch (error) {
        if (probe) options.onProbeFailed?.(probe);
        if (error instanceof Refused) {
          fail(String(error.reply.code));
          // Back to a clean state for the next transaction (a refused DATA has ended it already).
          const reset = await client.command('RSET\r\n').catch(() => null);
          if (reset?.code === 250) continue;
        } else {
          fail(error instanceof Error ? error.message : String(error));
        }
        return; // the connection is unusable; the other connections go on
      }
    }
  };

  await Promise.all(clients.map((client) => worker(client)));
  const elapsedSeconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((client) => client.quit()));
  return {
    connections: options.connections,
    attempted: next,
    accepted,
    failed,
    failures,
    bytesAccepted,
    elapsedSeconds,
    latenciesMs: latencies.subarray(0, accepted),
    stoppedBy: next >= options.maxMessages ? 'count' : 'time',
  };
}

class Refused extends Error {
  constructor(readonly reply: Reply) {
    super(`${reply.code} ${reply.text}`);
  }
}
