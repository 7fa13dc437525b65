// `BENCH_STEADY=1`: Capturebox's ingest rate in the states a long-lived appliance settles into, beside its
// rate into fresh public inboxes, in one process: inboxes at their retention cap (every capture trims the
// oldest message), and a custom domain of an account that already holds many private messages (every
// capture checks the account's messageLimit). The main comparison never reaches either state: its recipients
// rotate over 100 inboxes, and its mail is public. Both were cliffs until 2026-12-01 (357 and 70 msg/s).
import { join } from 'node:path';
import { RETENTION_MAX_MESSAGES_PER_INBOX } from '@capturebox/limits';
import type { MessageTemplate } from './messages';
import type { Log } from './run-target';
import { runLoad, INBOXES } from './smtp-load';
import { BENCH_ADMIN_KEY, type Target } from './targets';

const CONNECTIONS = 10;
const MEASURED = 4000;
/** Full inboxes: few of them, each filled to the default cap first. */
const FULL_INBOXES = 10;
const CAP = RETENTION_MAX_MESSAGES_PER_INBOX.default;
/** Private mail already held by the account before its round is measured. */
const PRIVATE_HELD = 20_000;
const ACCOUNT = 'steady';
const DOMAIN = 'steady.bench.test';
/** What each state keeps of the fresh rate at least (guards against the cliffs coming back, not issue targets). */
const GUARD = { full: 0.5, private: 0.5 } as const;

export async function runSteadyStateBench(target: Target, template: MessageTemplate, workDir: string, log: Log): Promise<string> {
  const running = await target.start(join(workDir, 'steady'));
  const api = async (path: string, body: unknown): Promise<void> => {
    const response = await fetch(`http://127.0.0.1:${running.httpPort}${path}`, {
      method: 'POST',
      headers: { 'Mailsac-Key': BENCH_ADMIN_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  };
  const send = async (runId: string, count: number, recipientOf: (seq: number) => string): Promise<number> => {
    const load = await runLoad({ port: running.smtpPort, connections: CONNECTIONS, maxMessages: count, maxSeconds: 300, template, runId, recipientOf });
    if (load.failed > 0) throw new Error(`${runId}: ${load.failed} messages refused (${JSON.stringify(load.failures)})`);
    return load.accepted / load.elapsedSeconds;
  };
  try {
    await api('/api/admin/accounts', { username: ACCOUNT, messageLimit: 10 * PRIVATE_HELD });
    await api(`/api/admin/accounts/${ACCOUNT}/domains`, { domain: DOMAIN });
    log(`steady state: warm-up, then ${MEASURED} messages of ${template.bytes} bytes over ${CONNECTIONS} connections into each state`);
    await send('warmup', 2000, (seq) => `warm-${seq % INBOXES}@fresh.bench.test`);
    const fresh = await send('fresh', MEASURED, (seq) => `fresh-${seq}@fresh.bench.test`);
    log(`steady state: fresh inboxes ${fresh.toFixed(0)} msg/s; filling ${FULL_INBOXES} inboxes to ${CAP}`);
    const full = (seq: number) => `full-${seq % FULL_INBOXES}@full.bench.test`;
    await send('fill', FULL_INBOXES * CAP, full);
    const atCap = await send('full', MEASURED, full);
    log(`steady state: full inboxes ${atCap.toFixed(0)} msg/s; giving the account ${PRIVATE_HELD} private messages`);
    const owned = (seq: number) => `box-${seq % INBOXES}@${DOMAIN}`;
    await send('held', PRIVATE_HELD, owned);
    const privateRate = await send('private', MEASURED, owned);
    log(`steady state: private domain ${privateRate.toFixed(0)} msg/s`);

    const row = (state: string, rate: number, guard: number | null) =>
      `| ${state} | ${rate.toFixed(0)} | ${((rate / fresh) * 100).toFixed(0)}% | ${guard === null ? '' : `≥ ${guard * 100}%: ${rate / fresh >= guard ? 'met' : 'NOT met'}`} |`;
    return [
      `## Steady states (Capturebox, SQLite, default retention)`,
      '',
      `${MEASURED.toLocaleString('en-US')} messages of ${template.bytes.toLocaleString('en-US')} bytes over ${CONNECTIONS} connections into each state, ` +
        `one process, after a warm-up: each to an inbox of its own; to ${FULL_INBOXES} inboxes first filled to the retention cap of ${CAP} ` +
        `(each capture trims one); to ${INBOXES} inboxes of a custom domain whose account already holds ${PRIVATE_HELD.toLocaleString('en-US')} private messages.`,
      '',
      '| state | msg/s | of fresh | guard |',
      '|---|---:|---:|---|',
      row('fresh inboxes', fresh, null),
      row(`inboxes at their cap (${CAP})`, atCap, GUARD.full),
      row(`private domain, ${PRIVATE_HELD.toLocaleString('en-US')} held`, privateRate, GUARD.private),
    ].join('\n');
  } finally {
    await running.stop();
  }
}
