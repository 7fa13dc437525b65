// Schemathesis, a property-based API fuzzer (scripts/schemathesis.sh: a pinned version in a cached venv,
// installed by scripts/ensure-test-tools.sh), against the built service with the admin key and the
// document the service serves: no 5xx (`not_a_server_error`) and every response valid against the
// document (`response_schema_conformance`). Bounded: a fixed seed, a few examples per operation, a time
// budget. Two departures from the served document, both about time, not shape: the live inbox stream
// (text/event-stream, endless by design) is left out, and the waits are fuzzed apart, with only valid
// input and at most a second's timeout (an omitted timeout is a 30 s wait).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const SCHEMATHESIS = resolve(__dirname, '../../scripts/schemathesis.sh');
const INBOX = 'fuzz@openapi.test';
const WAITS = ['WaitForMessage', 'WaitForInboxMessage'];
const NEVER_ENDS = ['UiInboxEvents'];

interface Run {
  code: number | null;
  output: string;
  seconds: number;
}

/** Runs `st` in `cwd` (it keeps a `.schemathesis/` cache of failures there: the test's temporary directory). */
function runSchemathesis(st: string, args: string[], cwd: string, timeoutMs: number): Promise<Run> {
  const started = Date.now();
  return new Promise((resolvePromise) => {
    const child = spawn(st, args, { cwd, env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false', NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output, seconds: Math.round((Date.now() - started) / 1000) });
    });
  });
}

/** The seeded message's identifiers as examples, so the examples phase reads real mail (and checks its shape). */
function withExamples(document: Json, examples: Record<string, string>): Json {
  for (const item of Object.values(document.paths as Json)) {
    for (const operation of Object.values(item as Json) as Json[]) {
      for (const parameter of operation.parameters ?? []) if (parameter.in === 'path' && examples[parameter.name]) parameter.example = examples[parameter.name];
      if (WAITS.includes(operation.operationId)) {
        const timeout = operation.parameters.find((p: Json) => p.name === 'timeout');
        Object.assign(timeout, { required: true });
        Object.assign(timeout.schema, { maximum: 1 });
      }
    }
  }
  return document;
}

const summaryOf = (output: string) => output.slice(output.lastIndexOf('SUMMARY'));

describe('schemathesis against the served OpenAPI document', () => {
  let box: CaptureboxProcess;
  let st: string;
  let dir: string;
  let documentPath: string;

  before(async () => {
    st = (await promisify(execFile)(SCHEMATHESIS, ['path']).catch(() => {
      throw new Error('schemathesis is not installed: run scripts/ensure-test-tools.sh (or scripts/schemathesis.sh install)');
    })).stdout.trim();
    box = await CaptureboxProcess.start();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false } });
    await transport.sendMail({
      from: 'sender@example.com',
      to: INBOX,
      subject: 'Your code is 482913',
      text: 'Your code is 482913. https://example.com/verify?token=abc',
      html: '<p>Your code is <b>482913</b>. <a href="https://example.com/verify?token=abc">verify</a></p>',
      attachments: [{ filename: 'note.txt', content: 'attached text' }],
    });
    transport.close();
    const [message] = (await (await box.api(`/api/addresses/${INBOX}/messages`)).json()) as Json[];
    const document = (await (await box.api('/api/openapi.json', { key: null })).json()) as Json;
    const md5 = message.attachments[0].md5 as string;
    dir = mkdtempSync(join(tmpdir(), 'capturebox-openapi-fuzz-'));
    documentPath = join(dir, 'openapi.json');
    writeFileSync(documentPath, JSON.stringify(withExamples(document, { email: INBOX, id: message._id, md5, attachment: md5, domain: 'openapi.test' })));
  });

  after(async () => {
    await box?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const common = () => [
    'run',
    documentPath,
    '--url',
    box.baseUrl,
    '--header',
    `Mailsac-Key: ${ADMIN_API_KEY}`,
    '--checks',
    'not_a_server_error,response_schema_conformance',
    '--seed',
    '1',
    '--generation-database',
    'none',
    '--request-timeout',
    '10',
    '--workers',
    '2',
    '--no-color',
  ];

  test('every operation: no 5xx, every response as documented', { timeout: 300_000 }, async () => {
    const args = [...common(), '--phases', 'examples,coverage,fuzzing', '--max-examples', '10', '--max-time', '150'];
    for (const id of [...WAITS, ...NEVER_ENDS]) args.push('--exclude-operation-id', id);
    const run = await runSchemathesis(st, args, dir, 240_000);
    console.log(`schemathesis (${run.seconds} s):\n${summaryOf(run.output)}`);
    assert.equal(run.code, 0, run.output.slice(-20_000));
  });

  test('the waits: no 5xx, every response as documented', { timeout: 120_000 }, async () => {
    const args = [...common(), '--phases', 'examples,fuzzing', '--mode', 'positive', '--max-examples', '8', '--max-time', '40'];
    for (const id of WAITS) args.push('--include-operation-id', id);
    const run = await runSchemathesis(st, args, dir, 90_000);
    console.log(`schemathesis, waits (${run.seconds} s):\n${summaryOf(run.output)}`);
    assert.equal(run.code, 0, run.output.slice(-20_000));
  });
});
