// BENCH_SEARCH=1 make bench: how fast a selective search is at 100,000 stored messages on the embedded store.
// The store is seeded through the service's own SqliteMessageStore (apps/capture/dist-test: real saves, one
// transaction per message, so the full-text index holds 100,000 rows), then each query of the language is
// parsed by the service's parser and run as `GET /api/search` runs it (one page of 20 newest plus the total),
// many times; p50 and p99 are printed. HTTP is left out: this measures the query and its indexes.
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './targets';

const DIST = resolve(REPO_ROOT, 'apps/capture/dist-test');
const TOTAL = Number(process.env.BENCH_SEARCH_MESSAGES ?? 100_000);
const RUNS = Number(process.env.BENCH_SEARCH_RUNS ?? 200);
/** Concurrent saves: the writer thread commits those that wait together (group commit). */
const CONCURRENT_SAVES = 500;

type Scope = { kind: 'everything' } | { kind: 'account'; accountId: string; inboxes: string[]; domains: string[]; excludeInboxes: string[] };
interface Store {
  open(): Promise<void>;
  close(): Promise<void>;
  saveCaptured(mail: unknown, copies: unknown[]): Promise<void>;
  searchMessages(search: object): Promise<unknown[]>;
  countMatching(filter: object): Promise<number>;
}

/** The account whose mail the account-scoped queries search: one private address and one domain (~1.4% of all). */
const ACCOUNT: Scope = { kind: 'account', accountId: 'bench-account', inboxes: ['me@private.test'], domains: ['team.test'], excludeInboxes: [] };

const QUERIES: Array<{ name: string; scope: Scope; query: string }> = [
  { name: 'account: from + subject phrase', scope: ACCOUNT, query: 'from:alerts subject:"order 4701"' },
  { name: 'account: a rare body word', scope: ACCOUNT, query: 'zephyr' },
  { name: 'account: a common body word, unread, negated', scope: ACCOUNT, query: 'invoice is:unread -refund' },
  { name: 'admin (all mail): a rare body word', scope: { kind: 'everything' }, query: 'zephyr' },
  { name: 'admin (all mail): a phrase + from', scope: { kind: 'everything' }, query: '"reset your password" from:shop3.test' },
];

/** A deterministic vocabulary and pseudo-random bodies: every run seeds the same mail. */
const VOCABULARY = Array.from({ length: 2000 }, (_, n) => `w${(n * 7919).toString(36)}`);
function bodyOf(n: number): string {
  const words: string[] = [];
  let x = n + 1;
  for (let i = 0; i < 40; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    words.push(VOCABULARY[x % VOCABULARY.length]);
  }
  if (n % 10 === 0) words.push('invoice');
  if (n % 30 === 0) words.push('refund');
  if (n % 20 === 3) words.push('please reset your password');
  if (n % 10_000 === 7 || n % 9_973 === 0) words.push('zephyr');
  return words.join(' ');
}

function inboxOf(n: number): string {
  if (n % 250 === 0) return 'me@private.test';
  if (n % 100 === 1) return `box${n % 7}@team.test`;
  return `user${n % 1000}@load.test`;
}

async function seed(store: Store, log: (line: string) => void): Promise<void> {
  const { makeCapturedMail, makeCopies } = require(join(DIST, 'store/testing.js'));
  const oldest = Date.parse('2026-01-01T00:00:00Z');
  const started = Date.now();
  for (let first = 0; first < TOTAL; first += CONCURRENT_SAVES) {
    const saves: Promise<void>[] = [];
    for (let n = first; n < Math.min(first + CONCURRENT_SAVES, TOTAL); n++) {
      const inbox = inboxOf(n);
      const sender = n % 3 === 0 ? `alerts@shop${n % 50}.test` : `news@shop${n % 50}.test`;
      const mail = makeCapturedMail({
        received: new Date(oldest + n * 1000),
        subject: `Order ${n % 10_000} shipped`,
        from: [{ address: sender, name: 'Shop' }],
        to: [{ address: inbox, name: '' }],
        text: bodyOf(n),
        html: null,
        attachments: [],
      });
      saves.push(store.saveCaptured(mail, makeCopies(mail, [inbox])));
    }
    await Promise.all(saves);
    if ((first + CONCURRENT_SAVES) % 20_000 === 0) log(`seeded ${first + CONCURRENT_SAVES} messages`);
  }
  log(`seeded ${TOTAL} messages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)];
}

/** Seeds a store in `scratch`, runs every query RUNS times and returns the Markdown report. */
export async function runSearchBench(scratch: string, log: (line: string) => void): Promise<string> {
  const { SqliteMessageStore } = require(join(DIST, 'store/index.js'));
  const { parseSearchQuery } = require(join(DIST, 'search/index.js'));
  const store: Store = new SqliteMessageStore({ file: join(scratch, 'search-bench.sqlite') });
  await store.open();
  try {
    await seed(store, log);
    const rows: string[] = [];
    for (const { name, scope, query } of QUERIES) {
      const filter = { ...parseSearchQuery(query), scope };
      const times: number[] = [];
      let found = 0;
      for (let run = 0; run < RUNS; run++) {
        const started = process.hrtime.bigint();
        const [page, total] = await Promise.all([store.searchMessages({ ...filter, order: 'newest', limit: 20 }), store.countMatching(filter)]);
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
        found = total;
        if (page.length !== Math.min(20, total)) throw new Error(`${query}: a page of ${page.length} for a total of ${total}`);
      }
      times.sort((a, b) => a - b);
      const line = `| ${name} | \`${query}\` | ${found} | ${percentile(times, 0.5).toFixed(2)} | ${percentile(times, 0.99).toFixed(2)} |`;
      log(line);
      rows.push(line);
    }
    return [
      `## Search at ${TOTAL.toLocaleString('en-US')} stored messages (SQLite, ${RUNS} runs per query)`,
      '',
      'Each run is what `GET /api/search` asks the store: the 20 newest matches and the total. Milliseconds.',
      '',
      '| scope: query | text | matches | p50 ms | p99 ms |',
      '|---|---|---|---|---|',
      ...rows,
    ].join('\n');
  } finally {
    await store.close();
  }
}
