// `BENCH_PROFILE=1`: where Capturebox's ingest time goes. Runs Capturebox (SQLite) under `node --cpu-prof`
// through the 10-connection load of 1 KB messages (BENCH_PROFILE_KIND=20k or 200k for the others), then summarizes the V8 CPU profile (self time by function, time by
// package or Capturebox module, inclusive time of Capturebox's own functions) next to the service's own
// histograms (parse, store, whole capture) for the same load.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { KIND_LABEL, type MessageKind, type MessageTemplate } from './messages';
import { cpuSeconds, httpGet } from './processes';
import { runLoad } from './smtp-load';
import { REPO_ROOT, type Target } from './targets';
import type { Log } from './run-target';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export async function runProfile(
  target: Target,
  templates: Record<MessageKind, MessageTemplate>,
  kind: MessageKind,
  seconds: number,
  workDir: string,
  profileDir: string,
  log: Log,
): Promise<string> {
  log(`profiling ${target.info.label}: node --cpu-prof, ${KIND_LABEL[kind]} at 10 connections for ${seconds} s`);
  const running = await target.start(join(workDir, 'profile'), { cpuProfDir: profileDir });
  const metricsUrl = `http://127.0.0.1:${running.httpPort}/metrics`;
  let load;
  let before: Record<string, number>;
  let after: Record<string, number>;
  let cpu: number | null;
  // The load's time window, in ms since the spawn; the profile covers the whole process life.
  let windowStart = 0;
  let windowEnd = Number.POSITIVE_INFINITY;
  try {
    await runLoad({ port: running.smtpPort, connections: 10, maxMessages: 3000, maxSeconds: 2, template: templates[kind], runId: `pw${Date.now().toString(36)}` });
    before = parseMetrics((await httpGet(metricsUrl)).body);
    const cpu0 = cpuSeconds(running.pid);
    windowStart = performance.now() - running.spawnedAt;
    load = await runLoad({ port: running.smtpPort, connections: 10, maxMessages: 1_000_000, maxSeconds: seconds, template: templates[kind], runId: `p${Date.now().toString(36)}` });
    windowEnd = performance.now() - running.spawnedAt;
    const cpu1 = cpuSeconds(running.pid);
    cpu = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
    after = parseMetrics((await httpGet(metricsUrl)).body);
  } finally {
    await running.stop(); // a clean exit writes the profile
  }
  const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile was written into ${profileDir}`);
  const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
  const mean = (name: string) => {
    const count = (after[`${name}_count`] ?? 0) - (before[`${name}_count`] ?? 0);
    const sum = (after[`${name}_sum`] ?? 0) - (before[`${name}_sum`] ?? 0);
    return count > 0 ? `${((sum / count) * 1000).toFixed(3)} ms (${count} observations)` : 'n/a';
  };
  const rate = load.accepted / load.elapsedSeconds;
  const lines = [
    `# Capturebox ingest profile`,
    '',
    `- load: ${KIND_LABEL[kind]}, 10 connections, ${load.accepted.toLocaleString('en-US')} messages in ${load.elapsedSeconds.toFixed(1)} s = ${rate.toFixed(0)} msg/s under the profiler ` +
      `(the profiler costs some throughput); server CPU ${cpu === null ? 'n/a' : `${((cpu * 1000) / load.accepted).toFixed(2)} ms per message (${(cpu / load.elapsedSeconds).toFixed(2)} cores)`}`,
    `- the service's histograms, means over the load: parse+route ${mean('capturebox_ingest_parse_duration_seconds')}; ` +
      `store write ${mean('capturebox_store_write_duration_seconds')}; whole capture after DATA ${mean('capturebox_smtp_transaction_duration_seconds')}`,
    `- profile: \`${relative(REPO_ROOT, join(profileDir, file))}\` (open it in Chrome DevTools or speedscope)`,
    '',
    ...summarizeProfile(profile, { fromMs: windowStart, toMs: windowEnd }),
  ];
  return lines.join('\n');
}

function parseMetrics(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{[^}]*\})? ([0-9.eE+-]+)$/.exec(line);
    if (match && !line.includes('le="')) out[match[1]!] = (out[match[1]!] ?? 0) + Number(match[2]);
  }
  return out;
}

interface FrameKey {
  key: string;
  name: string;
  where: string;
  category: string;
}

function frameOf(node: ProfileNode): FrameKey {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
  return { key: `${name} ${where}`, name, where, category: categoryOf(name, url) };
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + '/node_modules/'.length);
  if (path.startsWith(REPO_ROOT)) return relative(REPO_ROOT, path);
  return path;
}

function categoryOf(name: string, url: string): string {
  if (!url) {
    if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') return name;
    return '(native/V8 builtins)';
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const dist = path.indexOf('/apps/capture/dist/');
  if (dist >= 0) {
    const rest = path.slice(dist + '/apps/capture/dist/'.length).split('/');
    return `capturebox ${rest.length > 1 ? rest[0] + '/' : rest[0]}`;
  }
  return 'other';
}

/**
 * Summarizes the samples inside `window` (ms since the profile started, which is within a few ms of the
 * spawn): start-up and warm-up stay out.
 */
export function summarizeProfile(profile: CpuProfile, window: { fromMs: number; toMs: number }): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const frames = new Map(profile.nodes.map((node) => [node.id, frameOf(node)]));
  const self = new Map<string, { frame: FrameKey; ms: number; callers: Map<string, number> }>();
  const inclusive = new Map<string, { frame: FrameKey; ms: number }>();
  const categories = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let clockMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    clockMs += ms;
    if (clockMs < window.fromMs || clockMs > window.toMs) return;
    const frame = frames.get(id)!;
    total += ms;
    if (frame.name === '(idle)') {
      idle += ms;
      return;
    }
    const entry = self.get(frame.key) ?? { frame, ms: 0, callers: new Map<string, number>() };
    entry.ms += ms;
    // The nearest caller that is a different function (native frames are often called through wrappers).
    for (let node = parent.get(id); node !== undefined; node = parent.get(node)) {
      const caller = frames.get(node)!;
      if (caller.key === frame.key || !caller.where) continue;
      entry.callers.set(`\`${caller.name}\` ${caller.where}`, (entry.callers.get(`\`${caller.name}\` ${caller.where}`) ?? 0) + ms);
      break;
    }
    self.set(frame.key, entry);
    categories.set(frame.category, (categories.get(frame.category) ?? 0) + ms);
    const seen = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const f = frames.get(node)!;
      if (seen.has(f.key) || !byId.has(node)) continue;
      seen.add(f.key);
      const inc = inclusive.get(f.key) ?? { frame: f, ms: 0 };
      inc.ms += ms;
      inclusive.set(f.key, inc);
    }
  });
  const busy = total - idle;
  const pct = (ms: number) => `${((ms / busy) * 100).toFixed(1)}%`;
  const lines: string[] = [];
  lines.push(
    `The load's ${(total / 1000).toFixed(1)} s of the main thread (start-up and warm-up left out): ${(busy / 1000).toFixed(1)} s busy (${((busy / total) * 100).toFixed(0)}%), ` +
      `${(idle / 1000).toFixed(1)} s idle. "Busy" includes time blocked in synchronous native calls (SQLite's COMMIT with its fsync): ` +
      `the CPU seconds above are lower by that much. Percentages are of busy time.`,
    '',
    '## Busy time by package / Capturebox module (self time)',
    '',
    '| where | self ms | share |',
    '|---|---:|---:|',
  );
  for (const [category, ms] of [...categories].sort((a, b) => b[1] - a[1]).slice(0, 25)) lines.push(`| ${category} | ${ms.toFixed(0)} | ${pct(ms)} |`);
  lines.push('', '## Top functions by self time', '', '| function | where | self ms | share | mostly called from |', '|---|---|---:|---:|---|');
  for (const { frame, ms, callers } of [...self.values()].sort((a, b) => b.ms - a.ms).slice(0, 30)) {
    const top = [...callers].sort((a, b) => b[1] - a[1]).slice(0, 2).map(([caller, callerMs]) => `${caller} (${((callerMs / ms) * 100).toFixed(0)}%)`);
    lines.push(`| \`${frame.name}\` | ${frame.where || frame.category} | ${ms.toFixed(0)} | ${pct(ms)} | ${top.join('; ')} |`);
  }
  lines.push(
    '',
    "## Capturebox's own functions by inclusive time (synchronous stacks only: time after an await counts for the callback, not the caller)",
    '',
    '| function | where | inclusive ms | share |',
    '|---|---|---:|---:|',
  );
  const ours = [...inclusive.values()].filter(({ frame }) => frame.category.startsWith('capturebox')).sort((a, b) => b.ms - a.ms).slice(0, 25);
  for (const { frame, ms } of ours) lines.push(`| \`${frame.name}\` | ${frame.where} | ${ms.toFixed(0)} | ${pct(ms)} |`);
  lines.push('', '## Library entry points by inclusive time', '', '| function | where | inclusive ms | share |', '|---|---|---:|---:|');
  const libraries = [...inclusive.values()]
    .filter(({ frame }) => !frame.category.startsWith('capturebox') && !frame.category.startsWith('(') && !frame.category.startsWith('node:') && frame.category !== 'other')
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 20);
  for (const { frame, ms } of libraries) lines.push(`| \`${frame.name}\` | ${frame.where} | ${ms.toFixed(0)} | ${pct(ms)} |`);
  return lines;
}
