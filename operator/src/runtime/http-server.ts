// The operator's own HTTP endpoints: /metrics (Prometheus), /healthz (the process answers), /readyz (a
// standby replica is ready; the leader once its CaptureEnvironment watch has listed everything).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthSource {
  health(): { leader: boolean; ready: boolean; detail: Record<string, unknown> };
}

export async function startHttpServer(bind: string, port: number, registry: Registry, health: HealthSource): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') {
      response.writeHead(405).end();
      return;
    }
    if (path === '/metrics') {
      registry
        .metrics()
        .then((text) => response.writeHead(200, { 'Content-Type': registry.contentType }).end(text))
        .catch((error: Error) => response.writeHead(500).end(error.message));
      return;
    }
    if (path === '/healthz') {
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path === '/readyz') {
      const state = health.health();
      response.writeHead(state.ready ? 200 : 503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ready: state.ready, leader: state.leader, ...state.detail }));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, bind, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
