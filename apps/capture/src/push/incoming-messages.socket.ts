// Mailsac's WebSocket on the HTTP port: `GET /incoming-messages?key=...&addresses=a@x.test,corp.test` upgrades
// to a socket that first says what it listens to (`{"status":200,"msg":"Listening","addresses":[..],
// "domains":[..]}`), then sends one frame per message captured there: `{"status":200,"email":{...}}`, the
// message as the REST API returns it plus its text, HTML (`body`), raw source and headers. What a caller may
// see comes from access/ (the same scopes as the REST API and the waits): to anyone but its owner, private
// mail never arrives. `since=<cursor>` first replays what arrived since then (oldest first, bounded), so
// "subscribe, then act" has no gap; live frames that the replay already sent are not sent twice.
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MailboxAccess } from '../access';
import { ApiKeyCallers, type Account } from '../accounts';
import { CONFIG, type CaptureboxConfig } from '../config';
import type { StoredMessage } from '../domain';
import { MessageEvents } from '../events';
import { httpFailureOf, httpStatusText } from '../failures';
import { ROOT_LOGGER, type Logger } from '../logging';
import { CaptureMetrics } from '../metrics';
import { matchesFilter, type SearchScope } from '../store';
import { INCOMING_MESSAGES_PATH, parseIncomingMessagesRequest, type IncomingMessagesRequest } from './incoming-messages-request';
import { PushedMessages } from './pushed-messages';

/** Messages replayed for `since`, at most: a reconnect catches up, it does not download an inbox. */
const MAX_REPLAY = 100;
/** Bytes a socket may have queued but not sent; a reader slower than that is closed (it can come back with since). */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const PING_EVERY_MS = 30_000;

export class TooManySockets extends Error {
  readonly failure = 'too_many_sockets';
  override name = 'TooManySockets';
}

@Injectable()
export class IncomingMessagesSocket implements OnApplicationShutdown {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  private readonly logger: Logger;
  private pinger: NodeJS.Timeout | null = null;

  constructor(
    private readonly access: MailboxAccess,
    private readonly callers: ApiKeyCallers,
    private readonly events: MessageEvents,
    private readonly pushed: PushedMessages,
    @Inject(CONFIG) private readonly config: CaptureboxConfig,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
    metrics: CaptureMetrics,
  ) {
    this.logger = rootLogger.child({ module: 'websocket' });
    metrics.websocketsOpen.measuredBy(() => this.server.clients.size);
  }

  /** Takes the HTTP server's upgrades: ours on INCOMING_MESSAGES_PATH, any other is refused. */
  attach(http: Server): void {
    http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      this.upgrade(request, socket, head).catch((error: unknown) => refuseUpgrade(socket, error, this.logger));
    });
    this.pinger = setInterval(() => this.pingAll(), PING_EVERY_MS);
    this.pinger.unref();
  }

  onApplicationShutdown(): void {
    if (this.pinger) clearInterval(this.pinger);
    for (const socket of this.server.clients) socket.close(1001, 'Capturebox is shutting down');
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://capturebox.invalid');
    if (url.pathname !== INCOMING_MESSAGES_PATH) throw Object.assign(new Error('Not found.'), { failure: 'not_found' });
    const header = request.headers['mailsac-key'];
    const asked = parseIncomingMessagesRequest(url, typeof header === 'string' ? header : undefined);
    const reader = await this.readerOf(asked.key, request.socket.remoteAddress ?? 'unknown');
    if (this.server.clients.size >= this.config.push.maxSockets) throw new TooManySockets();
    const scopes = await this.scopesOf(reader, asked);
    this.server.handleUpgrade(request, socket, head, (ws) => {
      this.listen(ws, asked, scopes).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'websocket: could not start listening');
        ws.close(1011, 'could not start listening');
      });
    });
  }

  /** The account behind the key, or anonymous (public inboxes only, when anonymous reading is on). */
  private async readerOf(key: string | undefined, client: string): Promise<Account | null> {
    const account = await this.callers.accountOf(key, client);
    if (!account) this.access.assertMayRead(null);
    return account;
  }

  /** One scope per entry; an address the reader may not read listens to nothing, a foreign domain is a 404. */
  private async scopesOf(reader: Account | null, asked: IncomingMessagesRequest): Promise<SearchScope[]> {
    const scopes: SearchScope[] = [];
    for (const address of asked.addresses) {
      const scope = await this.access.inboxSearchScope(reader, address);
      if (scope) scopes.push(scope);
    }
    for (const domain of asked.domains) {
      if (!reader) throw Object.assign(new Error('Listening to a domain needs the key of its owner.'), { failure: 'auth_required' });
      scopes.push(await this.access.domainSearchScope(reader, domain));
    }
    return scopes;
  }

  private async listen(ws: WebSocket, asked: IncomingMessagesRequest, scopes: SearchScope[]): Promise<void> {
    const sent = new Set<string>();
    let replaying = true;
    const held: StoredMessage[] = [];
    const send = async (message: StoredMessage) => {
      if (sent.has(message.id) || ws.readyState !== ws.OPEN) return;
      sent.add(message.id);
      const email = await this.pushed.of(message);
      if (!email || ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        ws.close(1013, 'reading too slowly: reconnect with since=');
        return;
      }
      ws.send(JSON.stringify({ status: 200, email }));
    };
    // Listen before replaying, so nothing captured meanwhile is missed; live frames wait for the replay.
    const stops = scopes.map((scope) => {
      const onMessage = (message: StoredMessage) => {
        if (!matchesFilter(message, { scope })) return;
        if (replaying) held.push(message);
        else void send(message);
      };
      return scope.kind === 'inbox' ? this.events.onCaptured(scope.inbox, onMessage) : this.events.onAnyCaptured(onMessage);
    });
    ws.on('close', () => stops.forEach((stop) => stop()));
    ws.on('pong', () => ((ws as AliveSocket).alive = true));
    (ws as AliveSocket).alive = true;
    // Mailsac's first frame names what is listened to: every address asked for (a private one someone else
    // owns too, so its owner cannot be told from here), and the domains.
    ws.send(JSON.stringify({ status: 200, msg: 'Listening', addresses: asked.addresses, domains: asked.domains, cursor: new Date().toISOString() }));
    if (asked.since) {
      const found = (await Promise.all(scopes.map((scope) => this.access.search(scope, { since: asked.since, order: 'oldest', limit: MAX_REPLAY })))).flat();
      found.sort((a, b) => a.received.getTime() - b.received.getTime() || (a.id < b.id ? -1 : 1));
      for (const message of found.slice(0, MAX_REPLAY)) await send(message);
    }
    replaying = false;
    for (const message of held.splice(0)) await send(message);
  }

  private pingAll(): void {
    for (const ws of this.server.clients as Set<AliveSocket>) {
      if (!ws.alive) {
        ws.terminate();
        continue;
      }
      ws.alive = false;
      ws.ping();
    }
  }
}

type AliveSocket = WebSocket & { alive?: boolean };

/** An upgrade refused: the HTTP status and Mailsac's error body of the error table, then the socket ends. */
function refuseUpgrade(socket: Duplex, error: unknown, logger: Logger): void {
  const reply = httpFailureOf(error);
  if (reply.status >= 500) logger.error({ err: error }, 'websocket: upgrade failed');
  const body = JSON.stringify({ error: httpStatusText(reply.status), message: reply.message });
  socket.end(
    `HTTP/1.1 ${reply.status} ${httpStatusText(reply.status)}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
