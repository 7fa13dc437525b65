#!/usr/bin/env node
// Would another MIME parser keep what Capturebox stores? Parses the ingest specs' corpus (fixtures.ts, the
// hostile-input e2e sources, a few MIME shapes) and the benchmark's three messages with parseMail
// (mailparser) and with postal-mime mapped onto the same ParsedMail fields, prints every field that differs,
// then the CPU per parse of both. postal-mime is not a dependency: install it anywhere and pass its folder.
// Usage (after `npm run build`): node scripts/compare-mime-parsers.cjs /path/to/node_modules/postal-mime
const { createHash } = require('node:crypto');
const { join } = require('node:path');
const root = join(__dirname, '..');
const fixtures = require(join(root, 'apps/capture/dist-test/ingest/fixtures.js'));
const { parseMail } = require(join(root, 'apps/capture/dist/ingest/parse-mail.js'));
const { readHeaderLines, splitHeaderBlock } = require(join(root, 'apps/capture/dist/ingest/header-lines.js'));
const { buildTemplates } = require(join(root, 'bench/dist/messages.js'));
const PostalMime = require(process.argv[2] ?? 'postal-mime').default;

const FIELDS = ['from', 'to', 'cc', 'subject', 'messageId', 'headers', 'text', 'html', 'attachments', 'parseError'];

/** postal-mime's result as parseMail's fields; headers come from the raw bytes, as parseMail's do. */
async function parseWithPostalMime(raw) {
  const parsed = await PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer' });
  const headers = readHeaderLines(splitHeaderBlock(raw));
  const addresses = (list) => {
    const out = [];
    const visit = (entries) => {
      for (const entry of entries) {
        if (entry.group) visit(entry.group);
        else if (entry.address || entry.name) out.push({ address: entry.address ?? '', name: entry.name ?? '' });
      }
    };
    visit(list ?? []);
    return out;
  };
  const subject = parsed.subject ?? '';
  return {
    from: addresses(parsed.from ? [parsed.from] : []),
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    // parseMail's repair of raw 8-bit subjects, applied the same way.
    subject: subject.includes('\uFFFD') ? (headers.find((header) => header.key === 'subject')?.value ?? subject) : subject,
    messageId: parsed.messageId ?? null,
    headers,
    text: parsed.text ?? null,
    html: parsed.html ?? null,
    attachments: parsed.attachments.map((attachment) => {
      const content = Buffer.from(attachment.content);
      return {
        md5: createHash('md5').update(content).digest('hex'),
        filename: attachment.filename,
        contentType: attachment.mimeType || 'application/octet-stream',
        size: content.length,
        contentId: attachment.contentId?.trim().replace(/^<|>$/g, '') || null,
        disposition: attachment.disposition ?? null,
      };
    }),
    parseError: null,
  };
}

async function corpus() {
  const { source } = fixtures;
  const sources = Object.entries(fixtures).filter(([, value]) => Buffer.isBuffer(value));
  for (const { name, raw } of fixtures.badSources) sources.push([`bad source: ${name}`, raw]);
  sources.push(
    ['two To: headers, no final line break', source('To: a@example.com', 'To: b@example.com', '', 'x')],
    ['1005 MIME parts', source('Subject: many parts', 'Content-Type: multipart/mixed; boundary=b', '', ...Array.from({ length: 1005 }, (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}`), '--b--', '')],
    ['hostile-input: unclosed boundary, 8-bit subject', Buffer.from('From: =?broken <x@example.com>\r\nSubject: caf\xe9 cr\xe8me \xff\r\nContent-Type: multipart/mixed; boundary="never-closed"\r\n\r\n--never-closed\r\nContent-Type: text/plain\r\n\r\nfirst part https://example.com/in-broken\r\n--not-the-boundary\r\n', 'latin1')],
    ['hostile-input: minimal', Buffer.from('Subject: helo\r\n\r\nbody\r\n')],
    ['quoted-printable Latin-1 body', source('Subject: qp', 'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: quoted-printable', '', 'caf=E9 =', 'suite', '')],
    ['inline image by Content-ID', source('Subject: cid', 'Content-Type: multipart/related; boundary=r', '', '--r', 'Content-Type: text/html', '', '<img src="cid:img1@x">', '--r', 'Content-Type: image/png', 'Content-ID: <img1@x>', 'Content-Transfer-Encoding: base64', '', 'iVBORw0KGgo=', '--r--', '')],
    ['message/rfc822 attachment', source('Subject: fwd', 'Content-Type: multipart/mixed; boundary=m', '', '--m', 'Content-Type: text/plain', '', 'see attached', '--m', 'Content-Type: message/rfc822', 'Content-Disposition: attachment; filename=orig.eml', '', 'Subject: inner', '', 'inner body', '--m--', '')],
    ['bare LF line ends', Buffer.from('Subject: lf\nFrom: A <a@x.test>\n\nline1\nline2\n')],
  );
  const templates = await buildTemplates();
  for (const kind of ['1k', '20k', '200k']) sources.push([`benchmark ${kind}`, templates[kind].build(1, 'r@x.test', 'token')]);
  return sources;
}

/** The first difference of two JSON texts, with some context. */
function around(a = 'undefined', b = 'undefined') {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 50);
  return [a.slice(from, i + 60), b.slice(from, i + 60)];
}

async function cpuMsPerParse(parse, sources, rounds = 3) {
  await Promise.all(sources.slice(0, 20).map(parse));
  const start = process.cpuUsage();
  for (let round = 0; round < rounds; round++) for (const raw of sources) await parse(raw);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / (rounds * sources.length);
}

(async () => {
  let identical = 0;
  const sources = await corpus();
  for (const [name, raw] of sources) {
    const ours = await parseMail(raw);
    ours.attachments = ours.attachments.map(({ content, ...meta }) => meta);
    let theirs;
    try {
      theirs = await parseWithPostalMime(raw);
    } catch (error) {
      theirs = { parseError: `postal-mime rejected it: ${error.message}` };
    }
    const differing = FIELDS.filter((field) => JSON.stringify(ours[field]) !== JSON.stringify(theirs[field]));
    if (differing.length === 0) {
      identical++;
      continue;
    }
    console.log(`DIFFERS ${name}`);
    for (const field of differing) {
      const [a, b] = around(JSON.stringify(ours[field]), JSON.stringify(theirs[field]));
      console.log(`  ${field}\n    mailparser:  ${a}\n    postal-mime: ${b}`);
    }
  }
  console.log(`RESULT: ${identical} of ${sources.length} sources give the same fields, ${sources.length - identical} differ`);
  const templates = await buildTemplates();
  for (const kind of ['1k', '20k', '200k']) {
    const batch = Array.from({ length: kind === '200k' ? 200 : 1000 }, (_, i) => templates[kind].build(i, `r${i % 100}@x.test`, `token-${i}`));
    const mailparser = await cpuMsPerParse(parseMail, batch);
    const postal = await cpuMsPerParse((raw) => PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer' }), batch);
    console.log(`CPU ${kind}: mailparser ${mailparser.toFixed(3)} ms, postal-mime ${postal.toFixed(3)} ms per parse`);
  }
})();
