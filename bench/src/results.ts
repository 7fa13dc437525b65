// The shape of bench/results/<timestamp>.json, and the small statistics it is made of.
import type { MessageKind } from './messages';
import type { TargetId, TargetInfo } from './targets';

export interface Distribution {
  samples: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface CellResult {
  kind: MessageKind;
  messageBytes: number;
  connections: number;
  attempted: number;
  accepted: number;
  failed: number;
  failures: Record<string, number>;
  stoppedBy: 'count' | 'time';
  elapsedSeconds: number;
  messagesPerSecond: number;
  megabytesPerSecond: number;
  /** MAIL FROM to the final 250, ms. */
  transactionMs: Distribution;
  /** From the 250 until the target's API lists the message, ms (sampled). */
  listedMs: Distribution;
  /** Sampled messages not listed within the probe timeout. */
  listedTimeouts: number;
  /**
   * Read-your-writes: how many sampled messages the first listing sent right after their 250 had read
   * already showed (out of listedMs.samples + listedTimeouts).
   */
  listedOnFirstPoll: number;
  /** CPU seconds of the server process per accepted message, in ms (and of its helpers, e.g. FerretDB and PostgreSQL with its backends). */
  serverCpuMsPerMessage: number | null;
  helperCpuMsPerMessage: number | null;
  /** CPU of this process (the load generator and the API polling) per accepted message, in ms. */
  clientCpuMsPerMessage: number | null;
  loadAverage1m: number;
}

export interface BigStoreResult {
  connections: number;
  target: number;
  /** Messages the seed got accepted (the target is 100,000 in a full run; the seed is time-bounded). */
  stored: number;
  seedSeconds: number;
  seedMessagesPerSecond: number;
  seedFailed: number;
  /** Inbox listings of the 100 newest, ms, sequential on an idle server. */
  listMs: Distribution;
  /** How many messages a listing returned (the last one). */
  listItems: number;
  peakRssBytes: number | null;
  /** VmRSS of the same server freshly started and idle, before the seed. */
  idleRssBytes: number | null;
  helperPeakRssBytes: Record<string, number | null>;
}

export interface TargetResult {
  info: TargetInfo;
  status: 'ok' | 'skipped' | 'failed';
  reason?: string;
  cells: CellResult[];
  bigStore: BigStoreResult | null;
  /** VmHWM of the server after all the cells (all three sizes), for reference. */
  peakRssAfterCellsBytes: number | null;
  /** Capturebox on MongoDB: the same server's own ceiling for the same documents (mongo-ceiling.ts). */
  mongoCeiling?: MongoCeilingResult | null;
}

export interface MongoCeilingResult {
  /** Messages whose documents were replayed, and at how many concurrent loops. */
  messages: number;
  connections: number;
  elapsedSeconds: number;
  messagesPerSecond: number;
  /** Round trips per message, as Capturebox's store makes them. */
  writesPerMessage: number;
  writeConcern: string;
}

export interface IssueTargetCheck {
  id: string;
  description: string;
  variant: TargetId;
  measured: string;
  threshold: string;
  met: boolean | null;
}

export interface BenchResults {
  meta: {
    startedAt: string;
    finishedAt: string;
    durationSeconds: number;
    settings: string;
    machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; kernel: string };
    loadAverage: { atStart: number[]; atEnd: number[]; max1m: number };
    notes: string[];
  };
  targets: TargetResult[];
  issueTargets: IssueTargetCheck[];
}

export function distribution(values: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!);
  return { samples: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted.length ? sorted[sorted.length - 1]! : null };
}
