// `make bench`: Capturebox side by side with MailDev and Mailpit under the same SMTP load, on one machine in
// one run; writes bench/results/<timestamp>.json, .md and .png and prints the Markdown.
//
//   BENCH_QUICK=1     smoke run with small counts (about 2 minutes)
//   BENCH_TARGETS=a,b only these targets (capturebox-sqlite, capturebox-mongo, maildev, mailpit)
//   BENCH_PROFILE=1   instead of the comparison: profile Capturebox's ingest (1 KB, 10 connections;
//                     BENCH_PROFILE_KIND=20k or 200k for the other messages)
//   BENCH_BURST=1     instead of the comparison: Capturebox's memory curve under 400 concurrent ~924 KB
//                     messages (about a minute)
//   BENCH_WAITS=1     instead of the comparison: what 5,000 open server-side waits cost (memory, wake-up)
//   BENCH_WEBHOOKS=1  instead of the comparison: SMTP ingest rate (1 KB, 10 connections) without a webhook and
//                     with an account-wide webhook to a receiver that never answers, in one run (webhooks.ts)
//   BENCH_SEARCH=1    instead of the comparison: p50/p99 of selective searches at 100,000 messages stored in
//                     SQLite (search.ts; a few minutes, most of it seeding)
//   BENCH_STEADY=1    instead of the comparison: 1 KB ingest into fresh inboxes, into inboxes at their
//                     retention cap and into an account's custom domain holding 20,000 messages (about a minute)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { runBurst } from './burst';
import { runWaits } from './waits';
import { runWebhooksBench } from './webhooks';
import { chartSvg, renderPng } from './chart';
import { buildTemplates, KIND_LABEL, type MessageKind } from './messages';
import { stopAllStartedNow } from './processes';
import { runProfile } from './profile';
import { runSearchBench } from './search';
import { runSteadyStateBench } from './steady-state';
import { checkIssueTargets, markdownReport } from './report';
import type { BenchResults, TargetResult } from './results';
import { runTarget } from './run-target';
import { settingsFromEnv } from './settings';
import { allTargets, REPO_ROOT, type ToolPaths } from './targets';

const RESULTS_DIR = join(REPO_ROOT, 'bench/results');
const INSTALL_SCRIPT = join(REPO_ROOT, 'bench/scripts/install-references.sh');

/** Scratch space for the servers' data, removed at the end (also when interrupted). */
let workDir: string | null = null;

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function installReferences(): ToolPaths {
  const out = execFileSync(INSTALL_SCRIPT, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const tools: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) tools[line.slice(0, at)] = line.slice(at + 1);
  }
  return tools as ToolPaths;
}

/** A run on its own (no MailDev or Mailpit needed): scratch space, then its Markdown as <stamp>-<name>.md. */
async function runAlone(stamp: string, name: string, run: (scratch: string) => Promise<string>): Promise<void> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'capturebox-bench-'));
  workDir = scratch;
  try {
    const markdown = await run(scratch);
    const file = join(RESULTS_DIR, `${stamp}-${name}.md`);
    writeFileSync(file, `${markdown}\n`);
    process.stdout.write(`${markdown}\n`);
    log(`wrote ${relative(process.cwd(), file)}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    workDir = null;
  }
}


async function main(): Promise<void> {
  const settings = settingsFromEnv(process.env);
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const loadAtStart = loadavg();
  let max1m = loadAtStart[0]!;
  const loadSampler = setInterval(() => (max1m = Math.max(max1m, loadavg()[0]!)), 5000).unref();

  log(`settings: ${settings.name}; load average ${loadAtStart.map((v) => v.toFixed(2)).join(' ')}`);
  const on = (name: string) => process.env[name] === '1' || process.env[name] === 'true';
  const capturebox = () => allTargets({}).find((t) => t.info.id === 'capturebox-sqlite')!;
  if (on('BENCH_BURST')) return runAlone(stamp, 'burst', (scratch) => runBurst(capturebox(), scratch, log));
  if (on('BENCH_WAITS')) return runAlone(stamp, 'waits', (scratch) => runWaits(capturebox(), scratch, log));
  if (on('BENCH_WEBHOOKS')) return runAlone(stamp, 'webhooks', async (scratch) => runWebhooksBench(capturebox(), (await buildTemplates())['1k'], scratch, log));
  if (on('BENCH_SEARCH')) return runAlone(stamp, 'search', (scratch) => runSearchBench(scratch, log));
  if (on('BENCH_STEADY')) return runAlone(stamp, 'steady-state', async (scratch) => runSteadyStateBench(capturebox(), (await buildTemplates())['1k'], scratch, log));
  const tools = installReferences();
  const templates = await buildTemplates();
  log(`messages: ${Object.values(templates).map((t) => `${KIND_LABEL[t.kind]} = ${t.bytes.toLocaleString('en-US')} bytes`).join(', ')}`);
  const wanted = process.env.BENCH_TARGETS?.split(',').map((s) => s.trim()).filter(Boolean);
  const targets = allTargets(tools).filter((target) => !wanted || wanted.includes(target.info.id));
  mkdirSync(RESULTS_DIR, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'capturebox-bench-'));
  workDir = scratch;

  try {
    if (process.env.BENCH_PROFILE === '1' || process.env.BENCH_PROFILE === 'true') {
      const target = allTargets(tools).find((t) => t.info.id === 'capturebox-sqlite')!;
      const profileDir = join(RESULTS_DIR, `${stamp}-cpuprofile`);
      mkdirSync(profileDir, { recursive: true });
      const kind = (process.env.BENCH_PROFILE_KIND ?? '1k') as MessageKind;
      if (!(kind in templates)) throw new Error(`BENCH_PROFILE_KIND must be one of ${Object.keys(templates).join(', ')}`);
      const markdown = await runProfile(target, templates, kind, settings.name === 'quick' ? 4 : 10, scratch, profileDir, log);
      const file = join(RESULTS_DIR, `${stamp}-profile-${kind}.md`);
      writeFileSync(file, `${markdown}\n`);
      process.stdout.write(`${markdown}\n`);
      log(`wrote ${relative(process.cwd(), file)}`);
      return;
    }

    const results: TargetResult[] = [];
    for (const target of targets) {
      results.push(await runTarget(target, settings, templates, scratch, log));
      // Each target's stores can take gigabytes (the 200 KB cells): gone before the next target runs.
      rmSync(join(scratch, target.info.id), { recursive: true, force: true });
    }
    clearInterval(loadSampler);
    const finishedAt = new Date();
    const bench: BenchResults = {
      meta: {
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        durationSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
        settings: settings.name,
        machine: {
          cpus: cpus().length,
          cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
          memoryGiB: totalmem() / 2 ** 30,
          node: process.version,
          kernel: release(),
        },
        loadAverage: { atStart: loadAtStart, atEnd: loadavg(), max1m: Math.max(max1m, loadavg()[0]!) },
        notes: [
          `messages: ${Object.values(templates).map((t) => `${KIND_LABEL[t.kind]} ${t.bytes.toLocaleString('en-US')} B`).join(', ')}; each 200 KB attachment differs (no deduplication gain); recipients rotate over 100 inboxes`,
          `the load generator (this process) shares the ${cpus().length} cores with the server under test; plain SMTP on loopback, no TLS and no AUTH for any target (none needs them)`,
          'server CPU ms/msg = CPU time of the server process during a cell / messages accepted; it includes answering the 250→listed polls, which weighs most on slow targets',
          `cells: up to ${Object.entries(settings.cell).map(([kind, bound]) => `${bound.maxMessages.toLocaleString('en-US')} (${kind})`).join(', ')} messages or ${settings.cell['1k'].maxSeconds} s each, after a ${settings.warmup.maxSeconds} s warm-up; ` +
            `250→listed: one message watched at a time (at most one in ${settings.probeEvery} and one per ${settings.probeMinIntervalMs} ms), its target's API polled every ~2 ms from the 250 on; ` +
            'read-your-writes = the share of watched messages that the first poll, sent as the 250 is read, finds listed',
          `big store: a fresh server, its VmRSS after ${settings.idleSettleSeconds} s at rest (idle RSS), then seeded with up to ${settings.seed.maxMessages.toLocaleString('en-US')} 1 KB messages (at most ${settings.seed.maxSeconds} s) at its fastest 1 KB connection count, ` +
            `then up to ${settings.listRequests} sequential listings of the 100 newest (at most ${settings.listMaxSeconds} s), then VmHWM`,
        ],
      },
      targets: results,
      issueTargets: [],
    };
    bench.issueTargets = checkIssueTargets(bench);
    const jsonFile = join(RESULTS_DIR, `${stamp}.json`);
    const pngFile = join(RESULTS_DIR, `${stamp}.png`);
    writeFileSync(jsonFile, `${JSON.stringify(bench, null, 2)}\n`);
    const svg = chartSvg(bench);
    const { png, error } = renderPng(svg);
    if (png) writeFileSync(pngFile, png);
    else {
      writeFileSync(join(RESULTS_DIR, `${stamp}.svg`), svg);
      log(`could not render the PNG (${error}); wrote the SVG instead`);
    }
    const markdown = markdownReport(bench, { json: relative(REPO_ROOT, jsonFile), png: png ? relative(REPO_ROOT, pngFile) : null });
    const mdFile = join(RESULTS_DIR, `${stamp}.md`);
    writeFileSync(mdFile, `${markdown}\n`);
    process.stdout.write(`\n${markdown}\n`);
    log(`wrote ${[jsonFile, mdFile, ...(png ? [pngFile] : [])].map((f) => relative(process.cwd(), f)).join(', ')} in ${(bench.meta.durationSeconds / 60).toFixed(1)} min`);
    if (results.some((result) => result.status === 'failed')) process.exitCode = 1;
  } finally {
    clearInterval(loadSampler);
    stopAllStartedNow();
    removeWorkDir();
  }
}

function removeWorkDir(): void {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  workDir = null;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the servers this run started`);
    stopAllStartedNow();
    removeWorkDir();
    process.exit(130);
  });
}
process.on('exit', () => stopAllStartedNow());

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
  stopAllStartedNow();
  process.exit(1);
});
