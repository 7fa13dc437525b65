// `BENCH_WEBHOOKS=1`: what a webhook receiver that never answers costs SMTP ingest (issue 17: "within 5% in the
// same run"). Capturebox on SQLite with its default webhook settings; one account owning a custom domain, and
// rounds of mail to it without a webhook and with an account-wide one to a receiver that accepts TCP and never
// answers (so every POST waits out CAPTUREBOX_WEBHOOK_TIMEOUT_MS, then is retried). The same account, domain
// and inboxes on both sides: two accounts on two domains differed by ~25% with no webhook at all.
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { MessageTemplate } from './messages';
import type { Log } from './run-target';
import { runLoad, INBOXES } from './smtp-load';
import { BENCH_ADMIN_KEY, type Target } from './targets';

const MESSAGES = 5000;
const CONNECTIONS = 10;
const ROUNDS = 6;
/** Private mail counts toward its account's limit: room for every round. */
const MESSAGE_LIMIT = 1_000_000;

const ACCOUNT = 'hooked';
const DOMAIN = 'hooked.bench.test';

/** Accepts connections and never reads an answer back: every delivery to it times out. */
async function silentReceiver(): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    connections: () => accepted,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export async function runWebhooksBench(target: Target, template: MessageTemplate, workDir: string, log: Log): Promise<string> {
  const receiver = await silentReceiver();
  const running = await target.start(join(workDir, 'webhooks'));
  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`http://127.0.0.1:${running.httpPort}${path}`, {
      method,
      headers: { 'Mailsac-Key': BENCH_ADMIN_KEY, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  try {
    const created = (await api('POST', '/api/admin/accounts', { username: ACCOUNT, messageLimit: MESSAGE_LIMIT })) as { account: { _id: string } };
    const accountId = created.account._id; // the admin API's accountId is the _id, not the username
    await api('POST', `/api/admin/accounts/${ACCOUNT}/domains`, { domain: DOMAIN });

    const rate = async (runId: string): Promise<number> => {
      const load = await runLoad({
        port: running.smtpPort,
        connections: CONNECTIONS,
        maxMessages: MESSAGES,
        maxSeconds: 300,
        template,
        runId,
        recipientOf: (seq) => `box-${seq % INBOXES}@${DOMAIN}`,
      });
      if (load.failed > 0) throw new Error(`${runId}: ${load.failed} messages refused (${JSON.stringify(load.failures)})`);
      return load.accepted / load.elapsedSeconds;
    };
    let pending = NaN;
    /** A round with the webhook: created before it, its queue read, then removed (which drops its queue). */
    const hookedRate = async (runId: string): Promise<number> => {
      const webhook = (await api('POST', '/api/webhooks', { kind: 'account', url: receiver.url, accountId })) as { _id: string; owner: string };
      if (webhook.owner !== accountId) throw new Error(`the webhook belongs to ${webhook.owner}, not ${ACCOUNT}`);
      const result = await rate(runId);
      const metrics = await (await fetch(`http://127.0.0.1:${running.httpPort}/metrics`)).text();
      pending = Number(/^capturebox_webhook_queue_pending (\d+)/m.exec(metrics)?.[1] ?? NaN);
      await api('DELETE', `/api/webhooks/${webhook._id}`);
      return result;
    };

    log(`webhooks: warm-up, then ${ROUNDS} rounds of ${MESSAGES} × ${template.bytes} bytes over ${CONNECTIONS} connections, without and with a silent webhook`);
    await rate('warmup');
    const rounds: Array<{ plain: number; hooked: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Which goes first alternates, so neither always runs on the other's leftovers (WAL, busy worker).
      const plainFirst = round % 2 === 0;
      const first = plainFirst ? await rate(`plain${round}`) : await hookedRate(`hooked${round}`);
      const second = plainFirst ? await hookedRate(`hooked${round}`) : await rate(`plain${round}`);
      const [plain, hooked] = plainFirst ? [first, second] : [second, first];
      rounds.push({ plain, hooked });
      log(`webhooks: round ${round + 1}: ${plain.toFixed(0)} msg/s without, ${hooked.toFixed(0)} msg/s with (${((hooked / plain) * 100).toFixed(1)}%)`);
    }

    const mean = (key: 'plain' | 'hooked') => rounds.reduce((sum, r) => sum + r[key], 0) / rounds.length;
    const ratio = mean('hooked') / mean('plain');
    return [
      `## A webhook receiver that never answers (Capturebox, SQLite, default webhook settings)`,
      '',
      `${ROUNDS} rounds, each ${MESSAGES.toLocaleString('en-US')} messages of ${template.bytes.toLocaleString('en-US')} bytes over ${CONNECTIONS} connections to a custom domain of one account, ` +
        `once without a webhook and once with an account-wide webhook to a receiver that accepts TCP and never answers; ` +
        `one process, after a warm-up round, which of the two goes first alternating.`,
      '',
      '| round | without webhook (msg/s) | with the silent webhook (msg/s) | ratio |',
      '|---:|---:|---:|---:|',
      ...rounds.map((r, n) => `| ${n + 1} | ${r.plain.toFixed(0)} | ${r.hooked.toFixed(0)} | ${((r.hooked / r.plain) * 100).toFixed(1)}% |`),
      `| mean | ${mean('plain').toFixed(0)} | ${mean('hooked').toFixed(0)} | **${(ratio * 100).toFixed(1)}%** |`,
      '',
      `- at the end of the last round with the webhook: ${pending.toLocaleString('en-US')} deliveries pending (capturebox_webhook_queue_pending); ` +
        `${receiver.connections()} connections accepted by the silent receiver in all, none answered`,
      `- target (issue 17): within 5%, so ≥ 95%: ${ratio >= 0.95 ? 'met' : 'NOT met'}`,
    ].join('\n');
  } finally {
    await running.stop();
    await receiver.close();
  }
}
