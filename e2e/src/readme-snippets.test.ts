// Every code block in README.md runs as written, in order, in one bash session (a reader's terminal: the
// key exported in "Try it" is there for the accounts section), with the real tools: bash, curl, swaks,
// python3, node. The service is the built one with its own defaults (the ports the snippets address, a
// generated admin key, 127.0.0.1 as `make run` binds). A block that must not run says why in a
// `<!-- snippet: not run: <reason> -->` line right above it; any other block this test cannot run fails it,
// so a new snippet cannot go untested. The reader's two placeholders are filled in as a reader would:
// `cbx_...` with the key the service printed, `<_id>` with the id the inbox listing shows.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CaptureboxProcess } from './support/capturebox-process';
import { readSnippets, type Snippet } from './support/readme-snippets';
import { ShellSession, type ScriptResult } from './support/shell-session';

const REPO_ROOT = resolve(__dirname, '../..');
const README = join(REPO_ROOT, 'README.md');
/** The service's default ports, which the README's snippets address. */
const README_PORTS = [5587, 8080];
const KEY_PLACEHOLDER = 'cbx_...';

/** How a block of each language is run in the session: shell as it is, others saved to a file first. */
const RUNNERS: Record<string, ((file: string) => string) | 'source'> = {
  sh: 'source',
  bash: 'source',
  python: (file) => `python3 '${file}'`,
  js: (file) => `node '${file}'`,
};
const FILE_SUFFIX: Record<string, string> = { python: 'py', js: 'js' };

const snippets = readSnippets(README);
const runnable = snippets.filter((s) => s.notRunBecause === undefined && s.language in RUNNERS);

type Check = (result: ScriptResult, box: CaptureboxProcess) => Promise<void>;
const subjects = async (box: CaptureboxProcess, address: string) =>
  ((await (await box.api(`/api/addresses/${address}/messages`, { key: null })).json()) as Array<{ subject: string }>).map((m) => m.subject);
// The service generated its admin key, so the test's default one is not valid here: the one printed is.
let adminKey = '';
const account = async (box: CaptureboxProcess, name: string) => (await (await box.api(`/api/admin/accounts/${name}`, { key: adminKey })).json()) as { username?: string; domains?: string[]; capturePrivate?: boolean };

/** What each block must have done besides exiting 0, found by a piece of its text. */
const EXPECTATIONS: Array<{ block: string; check: Check }> = [
  {
    block: 'swaks --server',
    check: async ({ stdout }) => assert.match(stdout, /<~ {2}250 OK : queued as \S+/),
  },
  {
    block: "'hello from python'",
    check: async (_, box) => assert.deepEqual(await subjects(box, 'someone@anything.test'), ['hello from python', 'hello']),
  },
  {
    block: '/api/raw/',
    check: async ({ stdout }) => {
      assert.match(stdout, /"subject":"hello from python"/, 'the listing shows the mail the SMTP examples sent');
      assert.match(stdout, /^Subject: hello from python\r?$/m, 'the raw source of the message by its _id');
    },
  },
  {
    block: "require('@mailsac/api')",
    check: async ({ stdout }) => assert.equal(stdout.trim(), "[ 'hello from python', 'hello' ]"),
  },
  {
    block: '-X DELETE',
    check: async (_, box) => assert.deepEqual(await subjects(box, 'someone@anything.test'), []),
  },
  {
    block: 'node client.js',
    check: async ({ stdout }) => assert.equal(stdout.trim(), '305117'),
  },
  {
    block: 'node wait.js',
    check: async ({ stdout }) => assert.equal(stdout.trim(), 'Verify your account 482913'),
  },
  {
    block: 'node listen.js',
    check: async ({ stdout }) => assert.equal(stdout.trim(), 'pushed to you'),
  },
  {
    block: 'node receive.js',
    check: async ({ stdout }) => assert.equal(stdout.trim(), 'hooked from JavaScript'),
  },
  {
    block: 'python3 receive.py',
    check: async ({ stdout }) => assert.equal(stdout.trim(), 'hooked from Python'),
  },
  {
    block: 'python3 wait.py',
    check: async ({ stdout }) => assert.equal(stdout.trim(), 'Reset your password 719304'),
  },
  {
    block: 'node search.js',
    check: async ({ stdout }) => assert.equal(stdout.trim(), "1 [ 'Your invoice 1001' ]"),
  },
  {
    block: 'python3 search.py',
    check: async ({ stdout }) => assert.equal(stdout.trim(), "1 ['Password changed']"),
  },
  {
    block: '/api/admin/accounts',
    check: async (_, box) => {
      const { username, capturePrivate, domains } = await account(box, 'team-a');
      assert.deepEqual({ username, capturePrivate, domains }, { username: 'team-a', capturePrivate: true, domains: ['team-a.test'] });
    },
  },
  {
    block: 'cli.js accounts create',
    check: async ({ stdout }, box) => {
      assert.match(stdout, /"apiKey": "cbx_/, 'the CLI printed the new key');
      assert.deepEqual((await account(box, 'team-b')).domains, ['team-b.test'], 'the CLI wrote to the data the running service reads');
    },
  },
];

describe('README snippets, run as written against the service', () => {
  let box: CaptureboxProcess;
  let shell: ShellSession;

  before(async () => {
    await assertPortsFree(README_PORTS);
    box = await CaptureboxProcess.start({ unset: ['CAPTUREBOX_SMTP_PORT', 'CAPTUREBOX_HTTP_PORT', 'CAPTUREBOX_ADMIN_API_KEY'] });
    adminKey = generatedKey(box.output, snippets);
    const serviceSettings = Object.entries(box.serviceEnv).filter(([name]) => name.startsWith('CAPTUREBOX_'));
    // NODE_PATH stands for the reader's `npm install @mailsac/api`: the workspace's own copy.
    shell = new ShellSession(REPO_ROOT, {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      NODE_PATH: join(REPO_ROOT, 'node_modules'),
      ...Object.fromEntries(serviceSettings),
    });
  });
  after(async () => {
    await shell?.close();
    await box?.dispose();
  });

  test('every code block is run here, or marked not run with a reason', () => {
    const unaccounted = snippets.filter((s) => (s.notRunBecause === undefined ? !(s.language in RUNNERS) : s.notRunBecause === ''));
    assert.deepEqual(unaccounted.map(describeSnippet), [], 'add `<!-- snippet: not run: <reason> -->` above a block that must not run, or a runner for its language');
    for (const { block } of EXPECTATIONS) assert.equal(runnable.filter((s) => s.code.includes(block)).length, 1, `one run block contains ${JSON.stringify(block)}`);
  });

  for (const snippet of runnable) {
    test(describeSnippet(snippet), async () => {
      const code = await fillPlaceholders(snippet.code, adminKey, box);
      const runner = RUNNERS[snippet.language];
      let script = code;
      if (runner !== 'source') {
        const file = join(shell.scratchDir, `readme-line-${snippet.line}.${FILE_SUFFIX[snippet.language]}`);
        writeFileSync(file, `${code}\n`);
        script = runner(file);
      }
      const result = await shell.run(script);
      const transcript = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
      assert.deepEqual(result.failedCommands, [], `commands that failed\n${transcript}`);
      assert.equal(result.status, 0, transcript);
      assert.doesNotMatch(result.stdout, /"error"\s*:/, `an API error\n${transcript}`);
      for (const expectation of EXPECTATIONS.filter((e) => code.includes(e.block))) await expectation.check(result, box);
    });
  }
});

function describeSnippet(snippet: Snippet): string {
  return `README.md:${snippet.line} (${snippet.language || 'no language'}): ${snippet.code.split('\n')[0].slice(0, 70)}`;
}

/** Fails with a clear message when something (a `make run`?) holds the ports the README's snippets address. */
async function assertPortsFree(ports: number[]): Promise<void> {
  for (const port of ports) {
    await new Promise<void>((resolveFree, rejectTaken) => {
      const probe = createServer();
      probe.once('error', (error) =>
        rejectTaken(new Error(`port ${port} is taken (${(error as Error).message}): the README's snippets address localhost:${ports.join(' and :')}, so this test runs the service there; stop whatever listens (a make run?) and rerun`)),
      );
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolveFree()));
    });
  }
}

/** The admin key the service printed, read by the README's own sample of that output (`cbx_...` standing for the key). */
function generatedKey(output: string[], all: Snippet[]): string {
  const sample = all.find((s) => s.code.includes(KEY_PLACEHOLDER) && s.code.includes('generated'));
  assert.ok(sample, 'the README shows the first start output with the generated key');
  let found = '';
  for (const sampleLine of sample.code.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const pattern = new RegExp(`^\\s*${escapeRegExp(sampleLine).replace(escapeRegExp(KEY_PLACEHOLDER), '(cbx_\\S+)')}\\s*$`);
    const match = output.map((line) => pattern.exec(line)).find(Boolean);
    assert.ok(match, `the service printed a line like the README's ${JSON.stringify(sampleLine)}:\n${output.join('\n')}`);
    if (match[1]) found = match[1];
  }
  assert.ok(found, 'the sample has a key line');
  return found;
}

async function fillPlaceholders(code: string, key: string, box: CaptureboxProcess): Promise<string> {
  let filled = code.split(KEY_PLACEHOLDER).join(key);
  for (const [, address] of code.matchAll(/\/api\/raw\/([^/\s]+)\/<_id>/g)) {
    const [newest] = (await (await box.api(`/api/addresses/${address}/messages`, { key: null })).json()) as Array<{ _id: string }>;
    assert.ok(newest, `${address} has a message whose _id a reader would copy`);
    filled = filled.split(`/api/raw/${address}/<_id>`).join(`/api/raw/${address}/${newest._id}`);
  }
  return filled;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
