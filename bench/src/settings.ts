// What one run measures and how long each load may take: the full run (`make bench`, about 15 minutes on
// 2 cores) or the smoke run (`BENCH_QUICK=1 make bench`, about 2 minutes). Every load is bounded by a
// message count AND a time limit, whichever comes first.
import type { MessageKind } from './messages';

export interface CellBound {
  maxMessages: number;
  maxSeconds: number;
}

export interface BenchSettings {
  name: 'full' | 'quick';
  kinds: MessageKind[];
  connections: number[];
  /** One load per (kind, connections) cell. */
  cell: Record<MessageKind, CellBound>;
  /** 1 KB at 10 connections before the cells, not recorded: JIT, caches and files warm up. */
  warmup: CellBound;
  /**
   * At most one message is watched for "listed by the API" at a time, at most one in `probeEvery` and
   * at most one every `probeMinIntervalMs`, so that the polling barely takes from the ingest measured.
   */
  probeEvery: number;
  probeMinIntervalMs: number;
  /** How long a watched message may take to be listed before it counts as never listed. */
  probeTimeoutMs: number;
  /** The big-store phase: a fresh server, this many 1 KB messages, then inbox listings and peak RSS. */
  seed: CellBound;
  /**
   * A target whose 1 KB rate cannot reach the seed count within its time limit is seeded only this long
   * (its big-store figures are then reported as not measured at 100,000), keeping the run bounded.
   */
  shortSeedSeconds: number;
  /**
   * How long the big store's fresh server idles before its idle RSS is read: past start-up, V8's memory
   * reducer (which starts 8 s after the allocations stop, --gc-memory-reducer-start-delay-ms) has run once,
   * as it has in any appliance that is idle for longer than that.
   */
  idleSettleSeconds: number;
  listRequests: number;
  listMaxSeconds: number;
}

const FULL: BenchSettings = {
  name: 'full',
  kinds: ['1k', '20k', '200k'],
  connections: [1, 10, 50],
  cell: {
    '1k': { maxMessages: 30_000, maxSeconds: 8 },
    '20k': { maxMessages: 20_000, maxSeconds: 8 },
    '200k': { maxMessages: 4_000, maxSeconds: 8 },
  },
  warmup: { maxMessages: 5_000, maxSeconds: 3 },
  probeEvery: 10,
  probeMinIntervalMs: 50,
  probeTimeoutMs: 10_000,
  seed: { maxMessages: 100_000, maxSeconds: 150 },
  shortSeedSeconds: 30,
  idleSettleSeconds: 15,
  listRequests: 500,
  listMaxSeconds: 20,
};

const QUICK: BenchSettings = {
  ...FULL,
  name: 'quick',
  cell: {
    '1k': { maxMessages: 5_000, maxSeconds: 2 },
    '20k': { maxMessages: 3_000, maxSeconds: 2 },
    '200k': { maxMessages: 500, maxSeconds: 2 },
  },
  warmup: { maxMessages: 1_000, maxSeconds: 1 },
  seed: { maxMessages: 5_000, maxSeconds: 10 },
  shortSeedSeconds: 5,
  listRequests: 100,
  listMaxSeconds: 5,
};

export function settingsFromEnv(env: NodeJS.ProcessEnv): BenchSettings {
  return env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true' ? QUICK : FULL;
}
