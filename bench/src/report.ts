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

/** The issue's targets, for each Capturebox variant that ran. */
export function checkIssueTargets(results: BenchResults): IssueTargetCheck[] {
  const maildev = findTarget(results, 'maildev');
  const mailpit = findTarget(results, 'mailpit');
  const checks: IssueTargetCheck[] = [];
  for (const variant of CAPTUREBOX) {
    const box = findTarget(results, variant);
    if (!box) continue;
    const ratioCheck = (id: string, description: string, kind: MessageKind, reference: TargetResult | undefined, atLeast: number) => {
      const mine = findCell(box, kind, 10)?.messagesPerSecond;
      const theirs = findCell(reference, kind, 10)?.messagesPerSecond;
      const ratio = mine !== undefined && theirs ? mine / theirs : null;
      checks.push({
        id,
        description,
        variant,
        measured: ratio === null ? 'n/a' : `${fmt(mine!, 0)} vs ${fmt(theirs!, 0)} msg/s = ${ratio.toFixed(2)}x`,
        threshold: `>= ${atLeast}x`,
        met: ratio === null ? null : ratio >= atLeast,
      });
    };
    ratioCheck('T1', 'msg/s at 10 connections, 1 KB: >= 2x MailDev', '1k', maildev, 2);
    ratioCheck('T2', 'msg/s at 10 connections, 200 KB: >= 10x MailDev', '200k', maildev, 10);
    ratioCheck('T3', 'msg/s at 10 connections, 1 KB: >= 3x Mailpit', '1k', mailpit, 3);
    for (const kind of ['1k', '20k', '200k'] as MessageKind[]) {
      const mine = findCell(box, kind, 10)?.transactionMs.p99 ?? null;
      const refs = [findCell(maildev, kind, 10)?.transactionMs.p99, findCell(mailpit, kind, 10)?.transactionMs.p99].filter((v): v is number => typeof v === 'number');
      const best = refs.length ? Math.min(...refs) : null;
      checks.push({
        id: `T4 ${kind}`,
        description: `p99 SMTP transaction at 10 connections, ${KIND_LABEL[kind]}: no worse than MailDev's and Mailpit's`,
        variant,
        measured: mine === null ? 'n/a' : `${fmt(mine, 1)} ms (MailDev ${fmtMaybe(findCell(maildev, kind, 10)?.transactionMs.p99, 1)}, Mailpit ${fmtMaybe(findCell(mailpit, kind, 10)?.transactionMs.p99, 1)})`,
        threshold: best === null ? 'n/a' : `<= ${fmt(best, 1)} ms`,
        met: mine === null || best === null ? null : mine <= best,
      });
    }
    const listed = findCell(box, '1k', 10)?.listedMs.p99 ?? null;
    checks.push({
      id: 'T5',
      description: 'p99 from 250 to listed by the API, 10 connections, 1 KB: < 50 ms',
      variant,
      measured: listed === null ? 'n/a' : `${fmt(listed, 1)} ms`,
      threshold: '< 50 ms',
      met: listed === null ? null : listed < 50,
    });
    const big = box.bigStore;
    const full = big !== null && big.stored >= 100_000;
    const storedNote = big && !full ? ` (only ${big.stored.toLocaleString('en-US')} stored: not the 100,000 the target names)` : '';
    checks.push({
      id: 'T6',
      description: 'inbox listing, 100 newest, p99 with 100,000 messages stored: < 20 ms',
      variant,
      measured: big?.listMs.p99 == null ? 'n/a' : `${fmt(big.listMs.p99, 1)} ms${storedNote}`,
      threshold: '< 20 ms',
      met: big?.listMs.p99 == null || !full ? null : big.listMs.p99 < 20,
    });
    checks.push({
      id: 'T7',
      description: 'peak RSS after 100,000 1 KB messages: < 300 MB',
      variant,
      measured: big?.peakRssBytes == null ? 'n/a' : `${fmt(big.peakRssBytes / 1e6, 0)} MB${storedNote}`,
      threshold: '< 300 MB',
      met: big?.peakRssBytes == null || !full ? null : big.peakRssBytes < 300e6,
    });
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
        { section, metric: 'server CPU ms/msg', value: (t) => cell(t)?.serverCpuMsPerMessage, digits: 2 },
        { section, metric: 'load generator CPU ms/msg', value: (t) => cell(t)?.clientCpuMsPerMessage, digits: 2, noRatio: true },
      );
      if (withHelpers) out.push({ section, metric: 'FerretDB CPU ms/msg', value: (t) => cell(t)?.helperCpuMsPerMessage, digits: 2, noRatio: true });
    }
  }
  const section = 'big store (1 KB)';
  out.push(
    { section, metric: 'messages stored', value: (t) => t.bigStore?.stored, digits: 0 },
    { section, metric: 'seed msg/s', value: (t) => t.bigStore?.seedMessagesPerSecond, digits: 0 },
    { section, metric: 'list 100 newest p50 ms', value: (t) => t.bigStore?.listMs.p50, digits: 2 },
    { section, metric: 'list 100 newest p99 ms', value: (t) => t.bigStore?.listMs.p99, digits: 2 },
    { section, metric: 'peak RSS MB', value: (t) => (t.bigStore?.peakRssBytes == null ? null : t.bigStore.peakRssBytes / 1e6), digits: 0 },
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

  lines.push('## Issue #9 targets', '');
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

function fmt(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function fmtMaybe(value: number | null | undefined, digits: number): string {
  return typeof value === 'number' && Number.isFinite(value) ? fmt(value, digits) : '–';
}
