// A real webhook receiver for tests: a node:http server that checks every delivery's signature itself (the
// documented scheme, written here independently of the service's code), records each one, and can be taken
// down, brought back on the same port, made slow, or made to accept connections and never answer.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ReceivedDelivery {
  deliveryId: string;
  webhookId: string;
  messageId: string;
  signatureValid: boolean;
  body: Record<string, unknown>;
}

export type ReceiverMode = 'answer' | 'never-answer';

export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  mode: ReceiverMode = 'answer';
  /** Milliseconds to wait before answering 200. */
  delayMs = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  constructor(private readonly secrets: () => Map<string, string>) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => void this.handle(request, response));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Refuses connections from now on (the port stays known, so start() brings it back there). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  /** How many times each delivery id arrived. */
  countsById(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const delivery of this.received) counts.set(delivery.deliveryId, (counts.get(delivery.deliveryId) ?? 0) + 1);
    return counts;
  }

  /** Distinct (message, webhook) pairs received, after dropping repeats of a delivery id. */
  distinctPairs(): Set<string> {
    return new Set(this.received.map((d) => `${d.messageId} ${d.webhookId}`));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (this.mode === 'never-answer') return; // the connection stays open, unanswered
    const raw = Buffer.concat(chunks).toString('utf8');
    const webhookId = String(request.headers['capturebox-webhook']);
    const secret = this.secrets().get(webhookId) ?? '';
    const body = JSON.parse(raw) as Record<string, unknown>;
    this.received.push({
      deliveryId: String(request.headers['capturebox-delivery']),
      webhookId,
      messageId: String(body._id),
      signatureValid: verify(secret, raw, String(request.headers['capturebox-signature'] ?? '')),
      body,
    });
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    response.writeHead(200).end('ok');
  }
}

function verify(secret: string, body: string, header: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=')));
  const t = Number(parts.t);
  if (!secret || !Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(String(parts.v1 ?? ''), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
