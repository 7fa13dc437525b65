// A deliberately low-level SMTP client for hostile-input tests: it sends exactly the bytes it is given
// and reads whole replies (multi-line aware), so tests can speak out of order or send garbage.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface SmtpReply {
  code: number;
  lines: string[];
  text: string;
}

export class SmtpDialog {
  private buffer = '';
  private waiters: Array<() => void> = [];
  private closed = false;

  private constructor(private socket: Socket | TLSSocket) {
    this.attach(socket);
  }

  /** Connects and reads the greeting; `preamble` (e.g. a PROXY header) is written first. */
  static async open(port: number, host = '127.0.0.1', preamble?: Buffer | string): Promise<{ dialog: SmtpDialog; greeting: SmtpReply }> {
    const socket = netConnect({ port, host });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    if (preamble) socket.write(preamble);
    const dialog = new SmtpDialog(socket);
    const greeting = await dialog.reply();
    return { dialog, greeting };
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('latin1');
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {
      this.closed = true;
      this.wake();
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  async command(line: string): Promise<SmtpReply> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  /** Reads one complete reply (the last line has a space after the code). */
  async reply(timeoutMs = 10_000): Promise<SmtpReply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = /^(?:\d{3}-[^\r\n]*\r\n)*(\d{3})(?: [^\r\n]*)?\r\n/.exec(this.buffer);
      if (match) {
        const raw = match[0];
        this.buffer = this.buffer.slice(raw.length);
        const lines = raw.split('\r\n').filter(Boolean);
        return { code: Number(match[1]), lines, text: lines.map((l) => l.slice(4)).join('\n') };
      }
      if (this.closed) throw new Error(`connection closed while waiting for a reply; buffer: ${JSON.stringify(this.buffer)}`);
      if (Date.now() > deadline) throw new Error(`no reply in time; buffer: ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The certificate the server presented, once the session is encrypted. */
  get peerCertificateFingerprint(): string | null {
    const socket = this.socket as TLSSocket;
    return typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate().fingerprint256 : null;
  }

  /** After a 220 to STARTTLS: wrap the socket in TLS (the test server's certificate is self-signed). */
  async upgradeToTls(): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    const secure = tlsConnect({ socket: plain, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
    this.socket = secure;
    this.attach(secure);
  }

  async login(user: string, key: string): Promise<SmtpReply> {
    return this.command(`AUTH PLAIN ${Buffer.from(`\0${user}\0${key}`).toString('base64')}`);
  }

  /** EHLO, STARTTLS, EHLO, AUTH PLAIN: the usual path to a session that may send. */
  async secureLogin(user: string, key: string, ehloName = 'e2e.test'): Promise<void> {
    expectCode(await this.command(`EHLO ${ehloName}`), 250);
    expectCode(await this.command('STARTTLS'), 220);
    await this.upgradeToTls();
    expectCode(await this.command(`EHLO ${ehloName}`), 250);
    expectCode(await this.login(user, key), 235);
  }

  /** One whole transaction on an already logged-in session; returns the final reply. */
  async sendMessage(from: string, to: string, message: string, replyTimeoutMs = 10_000): Promise<SmtpReply> {
    expectCode(await this.command(`MAIL FROM:<${from}>`), 250);
    expectCode(await this.command(`RCPT TO:<${to}>`), 250);
    expectCode(await this.command('DATA'), 354);
    this.write(`${message.replace(/\r?\n/g, '\r\n')}\r\n.\r\n`);
    return this.reply(replyTimeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}

export function expectCode(reply: SmtpReply, code: number): SmtpReply {
  if (reply.code !== code) throw new Error(`expected SMTP ${code}, got ${reply.code}: ${reply.text}`);
  return reply;
}
