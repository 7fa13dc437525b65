// One target's measurements, in two fresh processes:
//   1. cells: a warm-up, then every (message kind x connections) load, sampling the time until the API
//      lists a message;
//      (Capturebox on MongoDB: after the 1 KB cells, the server's own ceiling, see mongo-ceiling.ts);
//   2. big store: a fresh server, its RSS at rest, then seeded with up to 100,000 1 KB messages at its
//      fastest connection count, then sequential inbox listings on the idle server, then its peak RSS.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { MessageKind, MessageTemplate } from './messages';
import { KIND_LABEL } from './messages';
import { cpuSeconds, peakRssBytes, rssBytes, sleep, treeCpuSeconds } from './processes';
import { measureMongoCeiling } from './mongo-ceiling';
import { distribution, type BigStoreResult, type CellResult, type MongoCeilingResult, type TargetResult } from './results';
import type { BenchSettings, CellBound } from './settings';
import { runLoad, type LoadResult, type Probe } from './smtp-load';
import { LIST_LIMIT, type RunningTarget, type Target } from './targets';

export type Log = (line: string) => void;

/** The ceiling is compared with the 1 KB cell at 10 connections. */
const CEILING_CONNECTIONS = 10;

export async function runTarget(
  target: Target,
  settings: BenchSettings,
  templates: Record<MessageKind, MessageTemplate>,
  workDir: string,
  log: Log,
): Promise<TargetResult> {
  const result: TargetResult = { info: target.info, status: 'ok', cells: [], bigStore: null, peakRssAfterCellsBytes: null };
  if (target.unavailable) {
    log(`${target.info.label}: skipped (${target.unavailable})`);
    return { ...result, status: 'skipped', reason: target.unavailable };
  }
  try {
    log(`${target.info.label}: starting for the cells`);
    const running = await target.start(join(workDir, target.info.id, 'cells'));
    try {
      await runCell(running, templates['1k'], 10, settings.warmup, settings, `w${Date.now().toString(36)}`);
      for (const kind of settings.kinds) {
        for (const connections of settings.connections) {
          const cell = await runCell(running, templates[kind], connections, settings.cell[kind], settings, `${kind}c${connections}t${Date.now().toString(36)}`);
          result.cells.push(cell);
          log(`  ${KIND_LABEL[kind].padEnd(20)} ${String(connections).padStart(2)} conn: ${describeCell(cell)}`);
        }
        // Right after the 1 KB cells, while the database holds only 1 KB mail: the documents to replay.
        if (kind === '1k' && running.mongoUri) result.mongoCeiling = await ceilingOrNull(running.mongoUri, settings, log);
      }
      result.peakRssAfterCellsBytes = peakRssBytes(running.pid);
    } finally {
      await running.stop();
    }
    const fastest = fastestCell(result.cells);
    const connections = fastest?.connections ?? 10;
    // A target too slow to reach the count in time is seeded briefly: its 100,000 figures are "not measured".
    const reachable = fastest !== undefined && settings.seed.maxMessages / fastest.messagesPerSecond <= settings.seed.maxSeconds;
    const seedSeconds = reachable ? settings.seed.maxSeconds : settings.shortSeedSeconds;
    log(
      `${target.info.label}: fresh start, seeding ${settings.seed.maxMessages.toLocaleString('en-US')} 1 KB messages at ${connections} connections ` +
        `(at most ${seedSeconds} s${reachable ? '' : ': too slow to reach the count within ' + settings.seed.maxSeconds + ' s'})`,
    );
    try {
      result.bigStore = await runBigStore(target, settings, templates['1k'], connections, seedSeconds, join(workDir, target.info.id, 'big-store'), log);
    } catch (error) {
      // The cells stand; only the big-store figures are missing.
      const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      log(`${target.info.label}: big store FAILED: ${reason}`);
      result.reason = `big store: ${reason}`;
    }
  } catch (error) {
    log(`${target.info.label}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
    return { ...result, status: 'failed', reason: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  }
  return result;
}

async function ceilingOrNull(uri: string, settings: BenchSettings, log: Log): Promise<MongoCeilingResult | null> {
  try {
    const ceiling = await measureMongoCeiling(uri, { sample: settings.cell['1k'].maxMessages, connections: CEILING_CONNECTIONS, maxSeconds: settings.cell['1k'].maxSeconds });
    log(`  server's own ceiling (driver-only, same documents, ${ceiling.writeConcern}): ${ceiling.messagesPerSecond.toFixed(0)} msg/s at ${ceiling.connections} loops`);
    return ceiling;
  } catch (error) {
    log(`  server's own ceiling: FAILED: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

function fastestCell(cells: CellResult[]): CellResult | undefined {
  const small = cells.filter((cell) => cell.kind === '1k' && cell.failed === 0);
  small.sort((a, b) => b.messagesPerSecond - a.messagesPerSecond);
  return small[0];
}

function describeCell(cell: CellResult): string {
  const ms = (value: number | null) => (value === null ? '-' : value.toFixed(1));
  return (
    `${cell.messagesPerSecond.toFixed(0).padStart(6)} msg/s ${cell.megabytesPerSecond.toFixed(1).padStart(6)} MB/s ` +
    `p50/p99 ${ms(cell.transactionMs.p50)}/${ms(cell.transactionMs.p99)} ms, listed p50/p99 ${ms(cell.listedMs.p50)}/${ms(cell.listedMs.p99)} ms` +
    (cell.failed ? `, ${cell.failed} failed ${JSON.stringify(cell.failures)}` : '') +
    (cell.listedTimeouts ? `, ${cell.listedTimeouts} never listed` : '')
  );
}

/**
 * Watches at most one message at a time (at most one in `every`, one per `minIntervalMs`): polls the
 * target's API from the 250 on, every ~2 ms, until the message is there.
 */
class ListedProber {
  readonly samples: number[] = [];
  timeouts = 0;
  /** Read-your-writes: watched messages the first listing after the 250 already showed. */
  onFirstPoll = 0;
  private busy = false;
  private lastSeq = Number.NEGATIVE_INFINITY;
  private lastStart = Number.NEGATIVE_INFINITY;
  private watching: Promise<void> | null = null;

  constructor(
    private readonly running: RunningTarget,
    private readonly every: number,
    private readonly minIntervalMs: number,
    private readonly timeoutMs: number,
  ) {}

  want = (seq: number): boolean => {
    const now = performance.now();
    if (this.busy || seq - this.lastSeq < this.every || now - this.lastStart < this.minIntervalMs) return false;
    this.busy = true;
    this.lastSeq = seq;
    this.lastStart = now;
    return true;
  };

  accepted = (probe: Probe, acceptedAt: number): void => {
    this.watching = this.watch(probe, acceptedAt).finally(() => {
      this.busy = false;
      this.watching = null;
    });
  };

  failed = (): void => {
    this.busy = false;
  };

  async drain(): Promise<void> {
    await this.watching;
  }

  private async watch(probe: Probe, acceptedAt: number): Promise<void> {
    const deadline = acceptedAt + this.timeoutMs;
    for (let poll = 0; ; poll++) {
      const listed = await this.running.isListed(probe).catch(() => false);
      const now = performance.now();
      if (listed) {
        if (poll === 0) this.onFirstPoll++;
        this.samples.push(now - acceptedAt);
        return;
      }
      if (now > deadline) {
        this.timeouts++;
        return;
      }
      await sleep(2);
    }
  }
}

async function runCell(
  running: RunningTarget,
  template: MessageTemplate,
  connections: number,
  bound: CellBound,
  settings: BenchSettings,
  runId: string,
): Promise<CellResult> {
  const prober = new ListedProber(running, settings.probeEvery, settings.probeMinIntervalMs, settings.probeTimeoutMs);
  const cpu = cpuMeter(running);
  const client0 = process.cpuUsage();
  const load = await runLoad({
    port: running.smtpPort,
    connections,
    maxMessages: bound.maxMessages,
    maxSeconds: bound.maxSeconds,
    template,
    runId,
    wantProbe: prober.want,
    onProbeAccepted: prober.accepted,
    onProbeFailed: prober.failed,
  });
  const used = cpu.read();
  const client = process.cpuUsage(client0);
  await prober.drain();
  return cellResult(template, load, prober, { ...used, client: (client.user + client.system) / 1e6 });
}

function cellResult(
  template: MessageTemplate,
  load: LoadResult,
  prober: ListedProber,
  used: { server: number | null; helpers: number | null; client: number },
): CellResult {
  const perMessage = (seconds: number | null) => (seconds === null || load.accepted === 0 ? null : (seconds * 1000) / load.accepted);
  return {
    kind: template.kind,
    messageBytes: template.bytes,
    connections: load.connections,
    attempted: load.attempted,
    accepted: load.accepted,
    failed: load.failed,
    failures: load.failures,
    stoppedBy: load.stoppedBy,
    elapsedSeconds: load.elapsedSeconds,
    messagesPerSecond: load.accepted / load.elapsedSeconds,
    megabytesPerSecond: load.bytesAccepted / 1e6 / load.elapsedSeconds,
    transactionMs: distribution(load.latenciesMs),
    listedMs: distribution(prober.samples),
    listedTimeouts: prober.timeouts,
    listedOnFirstPoll: prober.onFirstPoll,
    serverCpuMsPerMessage: perMessage(used.server),
    helperCpuMsPerMessage: perMessage(used.helpers),
    clientCpuMsPerMessage: perMessage(used.client),
    loadAverage1m: loadavg()[0]!,
  };
}

/** CPU seconds the server (and its helpers) used between creation and `read()`. */
function cpuMeter(running: RunningTarget): { read(): { server: number | null; helpers: number | null } } {
  const helpersCpu = () => {
    if (running.helpers.length === 0) return null;
    let sum = 0;
    for (const helper of running.helpers) {
      const seconds = treeCpuSeconds(helper.pid);
      if (seconds === null) return null;
      sum += seconds;
    }
    return sum;
  };
  const server0 = cpuSeconds(running.pid);
  const helpers0 = helpersCpu();
  return {
    read() {
      const server1 = cpuSeconds(running.pid);
      const helpers1 = helpersCpu();
      return {
        server: server0 === null || server1 === null ? null : server1 - server0,
        helpers: helpers0 === null || helpers1 === null ? null : helpers1 - helpers0,
      };
    },
  };
}

async function runBigStore(
  target: Target,
  settings: BenchSettings,
  template: MessageTemplate,
  connections: number,
  seedSeconds: number,
  dir: string,
  log: Log,
): Promise<BigStoreResult> {
  const running = await target.start(dir);
  try {
    // A fresh appliance at rest: ready, nothing received yet, start-up's garbage given time to go.
    await sleep(settings.idleSettleSeconds * 1000);
    const idleRssBytes = rssBytes(running.pid);
    log(`  idle after ${settings.idleSettleSeconds} s: RSS ${((idleRssBytes ?? 0) / 2 ** 20).toFixed(0)} MiB`);
    const seed = await runLoad({
      port: running.smtpPort,
      connections,
      maxMessages: settings.seed.maxMessages,
      maxSeconds: seedSeconds,
      template,
      runId: `seed${Date.now().toString(36)}`,
    });
    log(
      `  seeded ${seed.accepted.toLocaleString('en-US')} in ${seed.elapsedSeconds.toFixed(1)} s (${(seed.accepted / seed.elapsedSeconds).toFixed(0)} msg/s)` +
        (seed.failed ? `, ${seed.failed} failed ${JSON.stringify(seed.failures)}` : ''),
    );
    // Targets that store after the 250 get a moment to catch up before the idle listings.
    await sleep(1000);
    const latencies: number[] = [];
    let items = 0;
    const deadline = performance.now() + settings.listMaxSeconds * 1000;
    for (let request = 0; request < settings.listRequests && performance.now() < deadline; request++) {
      const t0 = performance.now();
      items = await running.listNewest(request);
      latencies.push(performance.now() - t0);
    }
    const listMs = distribution(latencies);
    const helperPeakRssBytes: Record<string, number | null> = {};
    for (const helper of running.helpers) helperPeakRssBytes[helper.name] = peakRssBytes(helper.pid);
    const result: BigStoreResult = {
      connections,
      target: settings.seed.maxMessages,
      stored: seed.accepted,
      seedSeconds: seed.elapsedSeconds,
      seedMessagesPerSecond: seed.accepted / seed.elapsedSeconds,
      seedFailed: seed.failed,
      listMs,
      listItems: items,
      peakRssBytes: peakRssBytes(running.pid),
      idleRssBytes,
      helperPeakRssBytes,
    };
    log(
      `  list ${LIST_LIMIT} newest x${listMs.samples}: p50/p99 ${listMs.p50?.toFixed(1)}/${listMs.p99?.toFixed(1)} ms (${items} items); ` +
        `peak RSS ${((result.peakRssBytes ?? 0) / 2 ** 20).toFixed(0)} MiB`,
    );
    return result;
  } finally {
    await running.stop();
  }
}
