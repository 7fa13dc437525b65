// The Markdown report: how the run went, one table with every figure for every target and the ratios
// Capturebox/MailDev and Capturebox/Mailpit, and the issue's targets marked met or not met.
import { KIND_LABEL, type MessageKind } from './messages';
import type { BenchResults, CellResult, IssueTargetCheck, TargetResult } from './results';
import type { TargetId } from './targets';

const CAPTUREBOX: TargetId[] = ['capturebox-sqlite', 'capturebox-mongo'];

export function findTarget(results: BenchResults, id: TargetId): TargetResult | undefined {
  return results.targets.find((target) => target.info.id === id && target.status === 'ok');
}

/** A target's name in headings: the references with their version. */
export function targetHeading(target: TargetResult): string {
  return target.info.id.startsWith('capturebox') ? target.info.label : `${target.info.label} ${target.info.version}`;
}

export function findCell(target: TargetResult | undefined, kind: MessageKind, connections: number): CellResult | undefined {
  return target?.cells.find((cell) => cell.kind === kind && cell.connections === connections);
}

/** The thresholds of issue #18's target table, in one place: the checks and the report's heading read them. */
export const ISSUE = 18;
const RATE_VS_MAILPIT_AT_10: Record<MessageKind, number> = { '1k': 1.5, '20k': 2.5, '200k': 1.5 };
const RATE_VS_MAILPIT_AT_50 = 1.5;
const LISTED_P99_MS = 5;
const PEAK_RSS_AFTER_SEED_BYTES = 150e6;
const IDLE_RSS_BYTES = 80e6;
const MONGO_SHARE_OF_CEILING = 0.5;

/** The issue's targets, for each Capturebox variant that ran, in the order of the issue's table. */
export function checkIssueTargets(results: BenchResults): IssueTargetCheck[] {
  const mailpit = findTarget(results, 'mailpit');
  const checks: IssueTargetCheck[] = [];
  const kinds = [...new Set(results.targets.flatMap((target) => target.cells.map((cell) => cell.kind)))];
  const connections = [...new Set(results.targets.flatMap((target) => target.cells.map((cell) => cell.connections)))].sort((a, b) => a - b);
  for (const variant of CAPTUREBOX) {
    const box = findTarget(results, variant);
    if (!box) continue;
    const add = (id: string, description: string, measured: string, threshold: string, met: boolean | null) =>
      checks.push({ id, description, variant, measured, threshold, met });
    const rateCheck = (id: string, kind: MessageKind, conns: number, atLeast: number) => {
      const mine = findCell(box, kind, conns)?.messagesPerSecond;
      const theirs = findCell(mailpit, kind, conns)?.messagesPerSecond;
      const ratio = mine !== undefined && theirs ? mine / theirs : null;
      add(id, `msg/s at ${conns} connections, ${KIND_LABEL[kind]}, vs Mailpit`, ratio === null ? 'n/a' : `${fmt(mine!, 0)} vs ${fmt(theirs!, 0)} msg/s = ${ratio.toFixed(2)}x`, `>= ${atLeast}x`, ratio === null ? null : ratio >= atLeast);
    };
    for (const kind of kinds) rateCheck(`T1 ${kind}`, kind, 10, RATE_VS_MAILPIT_AT_10[kind]);
    for (const kind of kinds) rateCheck(`T2 ${kind}`, kind, 50, RATE_VS_MAILPIT_AT_50);
    // "Every cell": one line each, the worst ratio first in the measured column.
    const everyCell = (id: string, description: string, value: (cell: CellResult) => number | null, digits: number, unit: string) => {
      const pairs = kinds.flatMap((kind) => connections.map((conns) => ({ kind, conns, mine: findCell(box, kind, conns), theirs: findCell(mailpit, kind, conns) })));
      const compared = pairs
        .map(({ kind, conns, mine, theirs }) => ({ label: `${kind}@${conns}`, mine: mine ? value(mine) : null, theirs: theirs ? value(theirs) : null }))
        .filter((p): p is { label: string; mine: number; theirs: number } => p.mine !== null && p.theirs !== null);
      const over = compared.filter((p) => p.mine > p.theirs);
      const worst = [...compared].sort((a, b) => b.mine / b.theirs - a.mine / a.theirs)[0];
      const measured = compared.length === 0
        ? 'n/a'
        : `${compared.length - over.length}/${compared.length} cells at or below Mailpit's; worst ${worst!.label} ${fmt(worst!.mine, digits)} vs ${fmt(worst!.theirs, digits)} ${unit} (${(worst!.mine / worst!.theirs).toFixed(2)}x)` +
          (over.length ? `; above in ${over.map((p) => p.label).join(', ')}` : '');
      add(id, description, measured, `<= Mailpit's in every cell`, compared.length === 0 ? null : over.length === 0);
    };
    everyCell('T3', 'p99 SMTP transaction, every cell', (cell) => cell.transactionMs.p99, 1, 'ms');
    everyCell('T4', 'server CPU per message, every cell', (cell) => cell.serverCpuMsPerMessage, 2, 'ms');
    const listed = findCell(box, '1k', 10)?.listedMs.p99 ?? null;
    add('T5', 'p99 250 -> listed by the API (1 KB, 10 connections)', listed === null ? 'n/a' : `${fmt(listed, 1)} ms`, `< ${LISTED_P99_MS} ms`, listed === null ? null : listed < LISTED_P99_MS);
    const watched = box.cells.reduce((sum, cell) => sum + cell.listedMs.samples + cell.listedTimeouts, 0);
    const firstPoll = box.cells.reduce((sum, cell) => sum + cell.listedOnFirstPoll, 0);
    add(
      'T6',
      "read-your-writes: a message is listed by the first listing sent right after its 250 (every cell's watched messages)",
      watched === 0 ? 'n/a' : `${firstPoll.toLocaleString('en-US')} of ${watched.toLocaleString('en-US')} (${((100 * firstPoll) / watched).toFixed(1)}%)`,
      '100%',
      watched === 0 ? null : firstPoll === watched,
    );
    const big = box.bigStore;
    const full = big !== null && big.stored >= 100_000;
    const storedNote = big && !full ? ` (only ${big.stored.toLocaleString('en-US')} stored: not the 100,000 the target names)` : '';
    add('T7', 'peak RSS after 100,000 x 1 KB', big?.peakRssBytes == null ? 'n/a' : `${fmt(big.peakRssBytes / 1e6, 0)} MB${storedNote}`, `<= ${PEAK_RSS_AFTER_SEED_BYTES / 1e6} MB`, big?.peakRssBytes == null || !full ? null : big.peakRssBytes <= PEAK_RSS_AFTER_SEED_BYTES);
    const idle = big?.idleRssBytes ?? null;
    const mailpitIdle = mailpit?.bigStore?.idleRssBytes;
    add('T8', 'RSS of a fresh, idle appliance', idle === null ? 'n/a' : `${fmt(idle / 1e6, 0)} MB${mailpitIdle ? ` (Mailpit ${fmt(mailpitIdle / 1e6, 0)} MB)` : ''}`, `<= ${IDLE_RSS_BYTES / 1e6} MB`, idle === null ? null : idle <= IDLE_RSS_BYTES);
    if (variant === 'capturebox-mongo') {
      const ceiling = box.mongoCeiling;
      const mine = findCell(box, '1k', ceiling?.connections ?? 10)?.messagesPerSecond;
      const share = ceiling && mine !== undefined ? mine / ceiling.messagesPerSecond : null;
      add(
        'T9',
        `Capturebox on MongoDB vs the same server's own ceiling (1 KB, ${ceiling?.connections ?? 10} connections; driver-only loop, same documents and write concern)`,
        share === null ? 'n/a' : `${fmt(mine!, 0)} vs ${fmt(ceiling!.messagesPerSecond, 0)} msg/s = ${(100 * share).toFixed(0)}%`,
        `>= ${100 * MONGO_SHARE_OF_CEILING}%`,
        share === null ? null : share >= MONGO_SHARE_OF_CEILING,
      );
    }
  }
  return checks;
}

interface Row {
  section: string;
  metric: string;
  value: (target: TargetResult) => number | null | undefined;
  digits: number;
  /** No ratio: the figure is not the target's own. */
  noRatio?: boolean;
}

function rows(results: BenchResults): Row[] {
  const out: Row[] = [];
  const kinds = [...new Set(results.targets.flatMap((target) => target.cells.map((cell) => cell.kind)))];
  const connections = [...new Set(results.targets.flatMap((target) => target.cells.map((cell) => cell.connections)))].sort((a, b) => a - b);
  const withHelpers = results.targets.some((target) => target.cells.some((cell) => cell.helperCpuMsPerMessage !== null));
  for (const kind of kinds) {
    for (const conns of connections) {
      const section = `${KIND_LABEL[kind]}, ${conns} conn`;
      const cell = (target: TargetResult) => findCell(target, kind, conns);
      out.push(
        { section, metric: 'msg/s', value: (t) => cell(t)?.messagesPerSecond, digits: 0 },
        { section, metric: 'MB/s', value: (t) => cell(t)?.megabytesPerSecond, digits: 2 },
        { section, metric: 'SMTP p50 ms', value: (t) => cell(t)?.transactionMs.p50, digits: 2 },
        { section, metric: 'SMTP p95 ms', value: (t) => cell(t)?.transactionMs.p95, digits: 2 },
        { section, metric: 'SMTP p99 ms', value: (t) => cell(t)?.transactionMs.p99, digits: 2 },
        { section, metric: '250→listed p50 ms', value: (t) => cell(t)?.listedMs.p50, digits: 1 },
        { section, metric: '250→listed p99 ms', value: (t) => cell(t)?.listedMs.p99, digits: 1 },
        { section, metric: 'listed on first poll %', value: (t) => firstPollPercent(cell(t)), digits: 1, noRatio: true },
        { section, metric: 'server CPU ms/msg', value: (t) => cell(t)?.serverCpuMsPerMessage, digits: 2 },
        { section, metric: 'load generator CPU ms/msg', value: (t) => cell(t)?.clientCpuMsPerMessage, digits: 2, noRatio: true },
      );
      if (withHelpers) out.push({ section, metric: 'MongoDB server CPU ms/msg (FerretDB, with PostgreSQL when it runs on it)', value: (t) => cell(t)?.helperCpuMsPerMessage, digits: 2, noRatio: true });
    }
  }
  const section = 'big store (1 KB)';
  out.push(
    { section, metric: 'messages stored', value: (t) => t.bigStore?.stored, digits: 0 },
    { section, metric: 'seed msg/s', value: (t) => t.bigStore?.seedMessagesPerSecond, digits: 0 },
    { section, metric: 'list 100 newest p50 ms', value: (t) => t.bigStore?.listMs.p50, digits: 2 },
    { section, metric: 'list 100 newest p99 ms', value: (t) => t.bigStore?.listMs.p99, digits: 2 },
    { section, metric: 'peak RSS MB', value: (t) => (t.bigStore?.peakRssBytes == null ? null : t.bigStore.peakRssBytes / 1e6), digits: 0 },
    { section: 'fresh start', metric: 'idle RSS MB', value: (t) => (t.bigStore?.idleRssBytes == null ? null : t.bigStore.idleRssBytes / 1e6), digits: 0 },
  );
  return out;
}

export function markdownReport(results: BenchResults, files: { json: string; png: string | null }): string {
  const byId = (id: TargetId) => results.targets.find((target) => target.info.id === id);
  const columns = (['capturebox-sqlite', 'capturebox-mongo', 'maildev', 'mailpit'] as TargetId[]).map(byId).filter((t): t is TargetResult => Boolean(t));
  const sqlite = findTarget(results, 'capturebox-sqlite');
  const mongo = findTarget(results, 'capturebox-mongo');
  const maildev = findTarget(results, 'maildev');
  const mailpit = findTarget(results, 'mailpit');
  const { meta } = results;
  const lines: string[] = [];
  lines.push(`# Capturebox benchmark, ${meta.startedAt}`, '');
  lines.push(
    `- run: \`${meta.settings}\` settings, ${(meta.durationSeconds / 60).toFixed(1)} minutes; every load on loopback, bounded in count and time`,
    `- machine: ${meta.machine.cpus} cores (${meta.machine.cpuModel}), ${meta.machine.memoryGiB.toFixed(0)} GiB, Node ${meta.machine.node}, Linux ${meta.machine.kernel}`,
    `- load average (1, 5, 15 min) at start ${meta.loadAverage.atStart.map((v) => v.toFixed(2)).join(', ')}; at end ${meta.loadAverage.atEnd.map((v) => v.toFixed(2)).join(', ')}; ` +
      `highest 1-min seen ${meta.loadAverage.max1m.toFixed(2)} (the machine is shared: ratios measured in one run hold better than absolute figures)`,
  );
  for (const note of meta.notes) lines.push(`- ${note}`);
  for (const target of results.targets) {
    const status = target.status === 'ok' ? (target.reason ? ` — **${target.reason}**` : '') : ` — **${target.status}**: ${target.reason ?? ''}`;
    lines.push(`- **${target.info.label}** ${target.info.version}${status}: ${target.info.notes.join('; ')}`);
  }
  lines.push('', `JSON: \`${files.json}\`${files.png ? `; chart: \`${files.png}\`` : ''}`, '');

  lines.push(`## Issue #${ISSUE} targets`, '');
  lines.push('| target | Capturebox | measured | threshold | met |', '|---|---|---|---|---|');
  for (const check of results.issueTargets) {
    const variant = check.variant === 'capturebox-sqlite' ? 'SQLite' : 'MongoDB';
    const met = check.met === null ? 'not measured' : check.met ? '**met**' : '**not met**';
    lines.push(`| ${check.id}: ${check.description} | ${variant} | ${check.measured} | ${check.threshold} | ${met} |`);
  }
  lines.push('');

  lines.push('## Figures', '');
  lines.push(
    'Ratios are Capturebox (SQLite) / reference, with Capturebox (MongoDB) / reference after the slash. Throughput: higher is better; ' +
      'latency, CPU and RSS: lower is better. SMTP = MAIL FROM to the final 250; 250→listed = until the target\'s list API shows the message ' +
      '(sampled, one message watched at a time).',
    '',
  );
  const header = ['cell', 'metric', ...columns.map(targetHeading), 'CB/MailDev', 'CB/Mailpit'];
  lines.push(`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`);
  for (const row of rows(results)) {
    const values = columns.map((target) => (target.status === 'ok' ? fmtMaybe(row.value(target), row.digits) : target.status));
    const ratio = (reference: TargetResult | undefined) => {
      if (row.noRatio) return '';
      const parts = [sqlite, mongo].map((box) => {
        const mine = box ? row.value(box) : undefined;
        const theirs = reference ? row.value(reference) : undefined;
        return typeof mine === 'number' && typeof theirs === 'number' && theirs > 0 ? `${(mine / theirs).toFixed(2)}x` : '–';
      });
      return mongo ? parts.join(' / ') : parts[0]!;
    };
    lines.push(`| ${row.section} | ${row.metric} | ${values.join(' | ')} | ${ratio(maildev)} | ${ratio(mailpit)} |`);
  }
  lines.push('');
  const failures = results.targets.flatMap((target) =>
    target.cells.filter((cell) => cell.failed > 0 || cell.listedTimeouts > 0).map(
      (cell) => `- ${target.info.label}, ${KIND_LABEL[cell.kind]} at ${cell.connections} conn: ${cell.failed} refused/failed ${JSON.stringify(cell.failures)}, ${cell.listedTimeouts} sampled messages never listed`,
    ),
  );
  if (failures.length) lines.push('Failures during the loads:', '', ...failures, '');
  return lines.join('\n');
}

/** Read-your-writes, per cell: the share of watched messages the first listing after the 250 showed. */
function firstPollPercent(cell: CellResult | undefined): number | null {
  const watched = cell ? cell.listedMs.samples + cell.listedTimeouts : 0;
  return watched === 0 ? null : (100 * cell!.listedOnFirstPoll) / watched;
}

function fmt(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function fmtMaybe(value: number | null | undefined, digits: number): string {
  return typeof value === 'number' && Number.isFinite(value) ? fmt(value, digits) : '–';
}
