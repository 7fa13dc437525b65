// The PNG chart: grouped bars drawn as SVG here, rendered without a browser by resvg (@resvg/resvg-js ships
// its native renderer as a platform npm package). Text uses the system's fonts (DejaVu Sans on Debian).
import { KIND_LABEL, type MessageKind } from './messages';
import { findCell, targetHeading } from './report';
import type { BenchResults, TargetResult } from './results';
import type { TargetId } from './targets';

const COLORS: Record<TargetId, string> = {
  'capturebox-sqlite': '#1f5fa8',
  'capturebox-mongo': '#7fb0e0',
  maildev: '#e8772e',
  mailpit: '#3c9a4a',
};

const PANEL_W = 500;
const PANEL_H = 300;
const COLS = 3;
const MARGIN = { top: 44, right: 12, bottom: 40, left: 62 };
const HEADER = 92;

interface Group {
  label: string;
  values: { target: TargetResult; value: number | null }[];
}

interface Panel {
  title: string;
  unit: string;
  /** Latencies span four orders of magnitude between targets: log scale keeps every bar readable. */
  log?: boolean;
  groups: Group[];
  /** A dashed line at the issue's threshold, if one applies. */
  threshold?: { value: number; label: string };
}

export function chartSvg(results: BenchResults): string {
  const targets = results.targets.filter((target) => target.status === 'ok');
  const kinds = [...new Set(targets.flatMap((t) => t.cells.map((c) => c.kind)))] as MessageKind[];
  const connections = [...new Set(targets.flatMap((t) => t.cells.map((c) => c.connections)))].sort((a, b) => a - b);
  const byConnections = (pick: (target: TargetResult, conns: number) => number | null | undefined): Group[] =>
    connections.map((conns) => ({ label: `${conns} conn`, values: targets.map((target) => ({ target, value: pick(target, conns) ?? null })) }));
  const panels: Panel[] = [];
  for (const kind of kinds) {
    panels.push({ title: `Throughput, ${KIND_LABEL[kind]}`, unit: 'msg/s', groups: byConnections((t, c) => findCell(t, kind, c)?.messagesPerSecond) });
  }
  for (const kind of kinds) {
    panels.push({ title: `p99 SMTP transaction, ${KIND_LABEL[kind]}`, unit: 'ms (log scale)', log: true, groups: byConnections((t, c) => findCell(t, kind, c)?.transactionMs.p99) });
  }
  panels.push({
    title: 'p99 from 250 to listed by the API, 1 KB',
    unit: 'ms (log scale)',
    log: true,
    groups: byConnections((t, c) => findCell(t, '1k', c)?.listedMs.p99),
    threshold: { value: 50, label: 'issue target: < 50 ms at 10 conn' },
  });
  const stored = Math.max(0, ...targets.map((t) => t.bigStore?.stored ?? 0));
  const storedLabel = stored >= 1000 ? `${Math.round(stored / 1000)}k` : String(stored);
  panels.push({
    title: `p99 listing of the 100 newest, ~${storedLabel} stored`,
    unit: 'ms',
    groups: [{ label: 'idle server, sequential', values: targets.map((target) => ({ target, value: target.bigStore?.listMs.p99 ?? null })) }],
    threshold: { value: 20, label: 'issue target: < 20 ms' },
  });
  panels.push({
    title: `Peak RSS after ~${storedLabel} 1 KB messages`,
    unit: 'MB',
    groups: [{ label: 'VmHWM of the server process', values: targets.map((target) => ({ target, value: target.bigStore?.peakRssBytes == null ? null : target.bigStore.peakRssBytes / 1e6 })) }],
    threshold: { value: 300, label: 'issue target: < 300 MB' },
  });

  const rowsCount = Math.ceil(panels.length / COLS);
  const width = COLS * PANEL_W + 20;
  const height = HEADER + rowsCount * PANEL_H + 30;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, sans-serif">`);
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  parts.push(text(14, 28, `Capturebox vs MailDev vs Mailpit — ${results.meta.startedAt} (${results.meta.settings} run)`, 20, 'start', '#111', 'bold'));
  const load = results.meta.loadAverage;
  parts.push(
    text(
      14,
      50,
      `${results.meta.machine.cpus} cores, Node ${results.meta.machine.node}; load average at start ${load.atStart[0]!.toFixed(2)}, highest 1-min ${load.max1m.toFixed(2)}; loopback, no TLS, no AUTH, persistent stores`,
      13,
      'start',
      '#444',
    ),
  );
  let legendX = 14;
  for (const target of targets) {
    parts.push(`<rect x="${legendX}" y="64" width="14" height="14" fill="${COLORS[target.info.id]}"/>`);
    const label = targetHeading(target);
    parts.push(text(legendX + 20, 76, label, 13, 'start', '#111'));
    legendX += 40 + label.length * 8;
  }
  panels.forEach((panel, index) => {
    const x = 10 + (index % COLS) * PANEL_W;
    const y = HEADER + Math.floor(index / COLS) * PANEL_H;
    parts.push(drawPanel(panel, x, y));
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function drawPanel(panel: Panel, x0: number, y0: number): string {
  const out: string[] = [];
  const plotW = PANEL_W - MARGIN.left - MARGIN.right;
  const plotH = PANEL_H - MARGIN.top - MARGIN.bottom;
  const left = x0 + MARGIN.left;
  const top = y0 + MARGIN.top;
  const bottom = top + plotH;
  out.push(text(x0 + PANEL_W / 2, y0 + 16, panel.title, 14, 'middle', '#111', 'bold'));
  if (panel.threshold) out.push(text(x0 + PANEL_W / 2, y0 + 30, `- - - ${panel.threshold.label}`, 11, 'middle', '#c0392b'));
  const values = panel.groups.flatMap((group) => group.values.map((v) => v.value)).filter((v): v is number => v !== null && Number.isFinite(v) && v > 0);
  const max = Math.max(...values, panel.threshold?.value ?? 0, 1e-9);
  let yOf: (value: number) => number;
  let axisTop: number;
  if (panel.log) {
    const low = Math.floor(Math.log10(Math.min(...values, panel.threshold?.value ?? Infinity, max)));
    const high = Math.ceil(Math.log10(max * 1.5));
    axisTop = 10 ** high;
    yOf = (value: number) => bottom - ((Math.log10(Math.max(value, 10 ** low)) - low) / (high - low || 1)) * plotH;
    for (let power = low; power <= high; power++) {
      for (const m of [1, 2, 5]) {
        const tick = m * 10 ** power;
        if (tick > axisTop) break;
        const y = yOf(tick);
        out.push(`<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="${m === 1 ? '#d8d8d8' : '#f0f0f0'}"/>`);
        if (m === 1 || high - low <= 2) out.push(text(left - 6, y + 4, short(tick), 11, 'end', '#555'));
      }
    }
  } else {
    const axis = niceAxis(max);
    axisTop = axis.top;
    yOf = (value: number) => bottom - (value / axisTop) * plotH;
    for (let tick = 0; tick <= axisTop + axis.step / 2; tick += axis.step) {
      const y = yOf(tick);
      out.push(`<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#e4e4e4"/>`);
      out.push(text(left - 6, y + 4, short(tick), 11, 'end', '#555'));
    }
  }
  out.push(text(x0 + 14, top + plotH / 2, panel.unit, 12, 'middle', '#333', 'normal', `rotate(-90 ${x0 + 14} ${top + plotH / 2})`));
  out.push(`<line x1="${left}" y1="${bottom}" x2="${left + plotW}" y2="${bottom}" stroke="#888"/>`);
  const groupW = plotW / panel.groups.length;
  panel.groups.forEach((group, g) => {
    const count = group.values.length;
    const barW = Math.min(46, (groupW * 0.8) / Math.max(1, count));
    const start = left + g * groupW + (groupW - barW * count) / 2;
    group.values.forEach(({ target, value }, i) => {
      const bx = start + i * barW;
      if (value === null || !Number.isFinite(value)) {
        out.push(text(bx + barW / 2, bottom - 4, 'n/a', 10, 'middle', '#999'));
        return;
      }
      const by = yOf(value);
      out.push(`<rect x="${bx + 1}" y="${by}" width="${barW - 2}" height="${Math.max(0.5, bottom - by)}" fill="${COLORS[target.info.id]}"/>`);
      out.push(text(bx + barW / 2, by - 4, short(value), 10, 'middle', '#222'));
    });
    out.push(text(left + g * groupW + groupW / 2, bottom + 18, group.label, 12, 'middle', '#333'));
  });
  if (panel.threshold && panel.threshold.value <= axisTop) {
    const y = yOf(panel.threshold.value);
    out.push(`<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#c0392b" stroke-dasharray="6 4" stroke-width="1.5"/>`);
  }
  return out.join('\n');
}

function niceAxis(max: number): { step: number; top: number } {
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough) ?? 10 * power;
  return { step, top: Math.ceil((max * 1.12) / step) * step };
}

function short(value: number): string {
  if (value >= 10_000) return `${(value / 1000).toFixed(0)}k`;
  if (value >= 1000) return `${(value / 1000).toFixed(1)}k`;
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1).replace(/\.0$/, '');
  if (value === 0) return '0';
  return value.toFixed(2).replace(/0$/, '');
}

function text(x: number, y: number, content: string, size: number, anchor: 'start' | 'middle' | 'end', fill: string, weight = 'normal', transform?: string): string {
  const escaped = content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<text x="${x}" y="${y}" font-size="${size}" text-anchor="${anchor}" fill="${fill}" font-weight="${weight}"${transform ? ` transform="${transform}"` : ''}>${escaped}</text>`;
}

/** PNG bytes of the SVG, or null (with the reason) when the renderer cannot load here. */
export function renderPng(svg: string): { png: Buffer | null; error?: string } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Resvg } = require('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
    const resvg = new Resvg(svg, { background: '#ffffff', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
    return { png: resvg.render().asPng() };
  } catch (error) {
    return { png: null, error: error instanceof Error ? error.message : String(error) };
  }
}
