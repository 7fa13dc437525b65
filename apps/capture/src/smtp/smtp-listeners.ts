// The TCP side of SMTP: our own listeners (plain+STARTTLS, and optional implicit TLS) that read a PROXY
// header when configured, finish the implicit TLS handshake with the current certificate, and then hand
// the socket to smtp-server's protocol engine. Owning the listener is what makes PROXY v2 (which
// smtp-server does not read) and certificate hot reload for implicit TLS possible.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { SMTPServer } from 'smtp-server';
import type { Logger } from '../logging';
import { readProxyHeader, type ProxiedPeer } from './proxy-header';

const PROXY_HEADER_TIMEOUT_MS = 5_000;
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface ListenerOptions {
  port: number;
  bind: string;
  engine: SMTPServer;
  proxyProtocol: boolean;
  /** For implicit TLS: the context to use for the next handshake. */
  implicitTls: (() => SecureContext) | null;
  /** Called for every accepted connection, before any byte is read. */
  onSocket: (socket: Socket) => void;
  /** Takes a place for a client IP, or gives the reply to refuse it with (then the socket is closed). */
  admit: (ip: string) => { code: number; text: string } | null;
  /** Gives back the place of a connection that never reached the engine. */
  release: (ip: string) => void;
  logger: Logger;
}

export class SmtpListener {
  private readonly server: Server;

  constructor(private readonly options: ListenerOptions) {
    this.server = createServer({ pauseOnConnect: true }, (socket) => void this.accept(socket));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.bind, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  get listening(): boolean {
    return this.server.listening;
  }

  /** Connections open on this listener now. Counted by the server itself: smtp-server strips socket
   * listeners at STARTTLS, so per-socket 'close' handlers cannot be trusted for this. */
  openConnections(): Promise<number> {
    return new Promise((resolve) => this.server.getConnections((error, count) => resolve(error ? 0 : count)));
  }

  /** Stop accepting new connections; open ones are left to the caller. */
  close(): Promise<void> {
    return new Promise((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
  }

  private async accept(socket: Socket): Promise<void> {
    const { engine, logger } = this.options;
    socket.on('error', () => undefined); // errors before the session exists end in 'close'; nothing to report
    this.options.onSocket(socket);
    try {
      let peer: ProxiedPeer = { remoteAddress: null, remotePort: null };
      if (this.options.proxyProtocol) {
        socket.resume();
        peer = await readProxyHeader(socket, PROXY_HEADER_TIMEOUT_MS);
      }
      const ip = peer.remoteAddress ?? socket.remoteAddress ?? 'unknown';
      const refusal = this.options.admit(ip);
      if (refusal) return this.refuse(socket, refusal);
      let session: Socket;
      try {
        session = await this.secureIfImplicit(socket);
      } catch (error) {
        this.options.release(ip);
        throw error;
      }
      engine.connect(session, {
        remoteAddress: ip,
        remotePort: peer.remotePort ?? socket.remotePort,
        localAddress: socket.localAddress,
        localPort: socket.localPort,
      });
      socket.resume();
    } catch (error) {
      logger.info({ err: error, ip: socket.remoteAddress }, 'smtp connection dropped before the session');
      socket.destroy();
    }
  }

  /** A 421 in clear text (on the implicit-TLS port too: nothing is secret in it) and goodbye. */
  private refuse(socket: Socket, reply: { code: number; text: string }): void {
    socket.resume();
    socket.end(`${reply.code} ${reply.text}\r\n`);
    setTimeout(() => socket.destroy(), 1_000).unref();
  }

  private secureIfImplicit(socket: Socket): Promise<Socket> {
    const contextOf = this.options.implicitTls;
    if (!contextOf) return Promise.resolve(socket);
    return new Promise((resolve, reject) => {
      const secure = new TLSSocket(socket, { isServer: true, secureContext: contextOf() });
      const timer = setTimeout(() => reject(new Error('TLS handshake timed out')), TLS_HANDSHAKE_TIMEOUT_MS);
      secure.once('secure', () => {
        clearTimeout(timer);
        resolve(secure);
      });
      secure.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.resume();
    });
  }
}
