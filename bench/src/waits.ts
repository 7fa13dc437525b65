// `BENCH_WAITS=1`: what open server-side waits cost (issue 16). Capturebox on SQLite; RSS idle, with N idle
// HTTP connections (the sockets alone), with N open waits on N inboxes (sockets and waits), and after they
// end; then how soon one of N open waits answers after its message's 250.
import { setMaxListeners } from 'node:events';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { request, Agent } from 'node:http';
import { rssBytes, sleep } from './processes';
import { runLoad } from './smtp-load';
import type { Log } from './run-target';
import type { Target } from './targets';

const WAITS = 5000;
const MB = 1024 * 1024;

function openIdleSockets(port: number, count: number): Promise<Socket[]> {
  return Promise.all(
    Array.from({ length: count }, () => new Promise<Socket>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket));
      socket.once('error', reject);
    })),
  );
}

/** The first message of runLoad's run `waits` when every message is a probe: its unique recipient. */
const WOKEN_INBOX = 'probe-waits-0@bench.capturebox.test';

/** N waits, one per inbox (the first on WOKEN_INBOX); resolves with each one's status when it ends. */
function openWaits(port: number, count: number, timeoutSeconds: number, agent: Agent, signal: AbortSignal): Promise<number>[] {
  return Array.from({ length: count }, (_, n) => new Promise<number>((resolve) => {
    const inbox = n === 0 ? WOKEN_INBOX : `wait-${n}@bench.test`;
    const req = request({ host: '127.0.0.1', port, path: `/api/addresses/${inbox}/wait?timeout=${timeoutSeconds}`, agent, signal }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(-1));
    req.end();
  }));
}

async function openWaitCount(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^capturebox_waits_open (\d+)/m.exec(text)?.[1] ?? NaN);
}

export async function runWaits(target: Target, workDir: string, log: Log): Promise<string> {
  log(`waits: ${WAITS} open waits against ${target.info.label}`);
  const running = await target.start(join(workDir, 'waits'), { env: { CAPTUREBOX_SMTP_AUTH: 'off' } });
  const rss = () => rssBytes(running.pid) ?? NaN;
  try {
    await sleep(2000);
    const idle = rss();
    const sockets = await openIdleSockets(running.httpPort, WAITS);
    await sleep(2000);
    const withSockets = rss();
    for (const socket of sockets) socket.destroy();
    await sleep(2000);

    const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
    const stop = new AbortController();
    setMaxListeners(0, stop.signal); // one signal ends all the waits
    const waits = openWaits(running.httpPort, WAITS, 60, agent, stop.signal);
    for (let tries = 0; (await openWaitCount(running.httpPort)) < WAITS && tries < 120; tries++) await sleep(250);
    const open = await openWaitCount(running.httpPort);
    await sleep(2000);
    const withWaits = rss();

    // One of the open waits, answered by a message: how long after its 250.
    let acknowledged = 0;
    const load = await runLoad({
      port: running.smtpPort,
      connections: 1,
      maxMessages: 1,
      maxSeconds: 30,
      template: { build: (_seq, recipient) => Buffer.from(`From: a@bench.test\r\nTo: ${recipient}\r\nSubject: wake\r\n\r\nhi\r\n.\r\n`) },
      runId: 'waits',
      wantProbe: () => true,
      onProbeAccepted: (_probe, at) => (acknowledged = at),
    });
    const answered = await waits[0];
    const wakeMs = performance.now() - acknowledged;
    stop.abort();
    await Promise.all(waits);
    await sleep(3000);
    const after = rss();
    const perWait = (withWaits - idle) / WAITS;
    const perSocket = (withSockets - idle) / WAITS;
    return [
      `## Open waits: ${WAITS} at once (Capturebox, SQLite)`,
      '',
      `- open at once: ${open} (capturebox_waits_open); the woken one answered ${answered} ${wakeMs.toFixed(1)} ms after its 250 (${load.accepted} message sent)`,
      `- RSS: idle ${(idle / MB).toFixed(0)} MB; ${WAITS} idle HTTP connections ${(withSockets / MB).toFixed(0)} MB (${(perSocket / 1024).toFixed(1)} KB each);` +
        ` ${WAITS} open waits ${(withWaits / MB).toFixed(0)} MB (${(perWait / 1024).toFixed(1)} KB each, the connection included); after they ended ${(after / MB).toFixed(0)} MB`,
    ].join('\n');
  } finally {
    await running.stop();
  }
}
