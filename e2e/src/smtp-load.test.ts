// Issue 14, item 2: 400 senders at once, each with a ~900 KB message, on loopback. The process stays up,
// its peak RSS stays under the memory the limits allow, every sender gets 250 or a temporary 4xx, every
// 250 is readable, and RSS falls back afterwards. Figures are printed for the record.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { CaptureboxProcess } from './support/capturebox-process';

const SENDERS = 400;
const MESSAGE_BYTES = 924 * 1024;
const PEAK_RSS_LIMIT_MB = 512;
const SETTLED_RSS_LIMIT_MB = 300;
const MB = 1024 * 1024;

/** VmRSS and VmHWM (peak) of a process, in MB, from /proc. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

function payloadOf(bytes: number): Buffer {
  const line = `${'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.repeat(2).slice(0, 76)}\r\n`;
  const head = 'From: load@example.com\r\nSubject: load\r\nContent-Type: text/plain\r\n\r\n';
  return Buffer.from(head + line.repeat(Math.ceil((bytes - head.length) / line.length)));
}

/** One plain-text SMTP transaction (auth is off in this run); resolves with the final reply line. */
function send(port: number, to: string, payload: Buffer, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const steps = ['EHLO load.test', 'MAIL FROM:<load@example.com>', `RCPT TO:<${to}>`, 'DATA'];
    let buffer = '';
    let step = -1;
    const done = (line: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(line);
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.on('error', (error) => done(`error ${error.message}`));
    socket.on('close', () => done(buffer.trim() ? buffer.trim().split('\r\n').at(-1)! : 'closed'));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (let end = buffer.indexOf('\r\n'); end !== -1; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (/^\d{3}-/.test(line)) continue;
        const code = Number(line.slice(0, 3));
        if (code >= 400 || step === steps.length) return done(line);
        step++;
        if (step < steps.length) socket.write(`${steps[step]}\r\n`);
        else socket.write(Buffer.concat([payload, Buffer.from('\r\n.\r\n')]));
      }
    });
  });
}

describe('400 large messages at once', () => {
  let box: CaptureboxProcess;
  before(async () => {
    // Every sender gets in (the per-IP default would turn half of them away at once), so the DATA
    // limits and the in-flight byte budget are what bound memory. Everything else is default.
    box = await CaptureboxProcess.start({ env: { CAPTUREBOX_SMTP_AUTH: 'off', CAPTUREBOX_SMTP_MAX_CONNECTIONS_PER_IP: '1000' } });
  });
  after(async () => box?.dispose());

  test('the process stays up and under its memory limit; every 250 is readable; RSS falls back', async () => {
    const pid = box.pid!;
    const idle = memoryOf(pid);
    const payload = payloadOf(MESSAGE_BYTES);
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: SENDERS }, (_, n) => send(box.smtpPort, `load-${n}@load.test`, payload, 240_000)));
    const seconds = (Date.now() - started) / 1000;
    const peak = memoryOf(pid).peak;
    assert.ok(box.running, 'the process is up');

    const byCode = new Map<string, number>();
    for (const reply of replies) byCode.set(reply.slice(0, 3), (byCode.get(reply.slice(0, 3)) ?? 0) + 1);
    const odd = replies.filter((reply) => !/^(250|4\d\d) /.test(reply));
    assert.deepEqual(odd, [], 'every sender got 250 or 4xx');

    const accepted = replies.map((reply, n) => ({ n, id: /queued as (\S+)$/.exec(reply)?.[1] })).filter((entry) => entry.id);
    for (const { n, id } of accepted) {
      const response = await box.api(`/api/addresses/load-${n}@load.test/messages/${id}-0`);
      assert.equal(response.status, 200, `250 for load-${n} is readable`);
      assert.ok(((await response.json()) as { size: number }).size >= MESSAGE_BYTES);
    }

    let settled = memoryOf(pid).rss;
    const settleStarted = Date.now();
    while (settled >= SETTLED_RSS_LIMIT_MB && Date.now() - settleStarted < 30_000) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      settled = memoryOf(pid).rss;
    }
    console.log(
      `# load: ${SENDERS} x ${Math.round(payload.length / 1024)} KB in ${seconds.toFixed(1)} s; replies ${JSON.stringify(Object.fromEntries(byCode))}; ` +
        `RSS idle ${idle.rss.toFixed(0)} MB, peak ${peak.toFixed(0)} MB, ${settled.toFixed(0)} MB ${((Date.now() - settleStarted) / 1000).toFixed(1)} s after`,
    );
    assert.ok(accepted.length >= SENDERS / 2, `only ${accepted.length} of ${SENDERS} accepted`);
    assert.ok(peak < PEAK_RSS_LIMIT_MB, `peak RSS ${peak.toFixed(0)} MB`);
    assert.ok(settled < SETTLED_RSS_LIMIT_MB, `RSS ${settled.toFixed(0)} MB 30 s after the burst`);
    assert.ok(payload.length > 900 * 1000 && payload.length < MB);
  });
});
