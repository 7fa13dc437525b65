// `BENCH_BURST=1`: the memory curve of a burst of large mail (issue 14): 400 senders at once, each with a
// ~924 KB message, against Capturebox on SQLite with its default limits (only the per-IP connection limit is
// raised, since every sender here is 127.0.0.1). RSS is sampled every 250 ms from the first connection until
// 30 s after the last reply; e2e/src/smtp-load.test.ts asserts the bounds, this prints the curve.
import { join } from 'node:path';
import { peakRssBytes, rssBytes, sleep } from './processes';
import { runLoad } from './smtp-load';
import type { Target } from './targets';
import type { Log } from './run-target';

const SENDERS = 400;
const MESSAGE_BYTES = 924 * 1024;
const SETTLE_SECONDS = 30;
const MB = 1024 * 1024;

/** A plain-text message of MESSAGE_BYTES: 76-character lines (none starts with a dot), CRLF, then the end. */
function burstMessage(recipient: string, token: string): Buffer {
  const head = `From: burst@bench.capturebox.test\r\nTo: ${recipient}\r\nSubject: burst ${token}\r\nContent-Type: text/plain\r\n\r\n`;
  const line = `${'0123456789abcdefghijklmnopqrstuvwxyz'.repeat(3).slice(0, 76)}\r\n`;
  return Buffer.from(`${head}${line.repeat(Math.ceil((MESSAGE_BYTES - head.length) / line.length))}.\r\n`);
}

export async function runBurst(target: Target, workDir: string, log: Log): Promise<string> {
  log(`burst: ${SENDERS} senders at once, ${(MESSAGE_BYTES / 1024).toFixed(0)} KB each, against ${target.info.label}`);
  const running = await target.start(join(workDir, 'burst'), { env: { CAPTUREBOX_SMTP_MAX_CONNECTIONS_PER_IP: String(SENDERS * 2) } });
  const idle = rssBytes(running.pid) ?? 0;
  const samples: Array<{ seconds: number; rss: number }> = [];
  const t0 = performance.now();
  const sample = () => {
    const rss = rssBytes(running.pid);
    if (rss !== null) samples.push({ seconds: (performance.now() - t0) / 1000, rss });
  };
  const sampler = setInterval(sample, 250);
  try {
    const load = await runLoad({
      port: running.smtpPort,
      connections: SENDERS,
      maxMessages: SENDERS,
      maxSeconds: 600,
      template: { build: (_seq, recipient, token) => burstMessage(recipient, token) },
      runId: `burst${Date.now().toString(36)}`,
    });
    const burstSeconds = (performance.now() - t0) / 1000;
    await sleep(SETTLE_SECONDS * 1000);
    sample();
    clearInterval(sampler);
    const peak = peakRssBytes(running.pid) ?? Math.max(...samples.map((s) => s.rss));
    const at = (seconds: number) => samples.find((s) => s.seconds >= seconds)?.rss ?? samples.at(-1)!.rss;
    const lines = [
      `## Burst: ${SENDERS} × ${(MESSAGE_BYTES / 1024).toFixed(0)} KB at once (Capturebox, SQLite, default limits)`,
      '',
      `- replies: ${load.accepted} × 250, ${load.failed} refused or failed (${Object.entries(load.failures).map(([k, v]) => `${v} × ${k}`).join(', ') || 'none'}); the burst took ${burstSeconds.toFixed(1)} s`,
      `- RSS: idle ${(idle / MB).toFixed(0)} MB, peak (VmHWM) ${(peak / MB).toFixed(0)} MB, at the last reply ${(at(burstSeconds) / MB).toFixed(0)} MB, ` +
        `${SETTLE_SECONDS} s later ${(samples.at(-1)!.rss / MB).toFixed(0)} MB`,
      '',
      '| seconds | RSS MB |',
      '|---:|---:|',
      // One row a second: the curve.
      ...samples.filter((s, i) => i === 0 || Math.floor(s.seconds) !== Math.floor(samples[i - 1]!.seconds)).map((s) => `| ${s.seconds.toFixed(1)} | ${(s.rss / MB).toFixed(0)} |`),
    ];
    return lines.join('\n');
  } finally {
    clearInterval(sampler);
    await running.stop();
  }
}
