// Issue 14's HTTP defects, each from outside: bad bodies keep body-parser's 413/415, the error table's
// statuses render with their names, odd MIME parts render, no response echoes a presented key, a private
// inbox looks like an empty public one on every reading route (the live stream included), and an address
// reads the same in punycode and in Unicode.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { declaredRoutes } from './support/app-routes';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess, eventually } from './support/capturebox-process';
import { expectCode, SmtpDialog } from './support/smtp-dialog';

const PRIVATE_ADDRESS = 'kept.private@hardening.test';
const OWNED_DOMAIN = 'owned-hardening.test';

/** A declared route with every `:param` filled with a harmless valid value. */
function concrete(path: string): string {
  const values: Record<string, string> = { email: 'fill@hardening.test', id: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAA-0', domain: 'fill.test', account: 'nobody', keyId: 'key_x', label: 'l', folder: 'inbox', read: 'true', attachment: 'a' };
  return path.replace(/:(\w+)/g, (_, name: string) => values[name] ?? 'x');
}

async function sendRaw(box: CaptureboxProcess, to: string, raw: string): Promise<string> {
  const { dialog } = await SmtpDialog.open(box.smtpPort);
  try {
    await dialog.secureLogin(ADMIN_USER, ADMIN_API_KEY);
    const reply = expectCode(await dialog.sendMessage('sender@example.com', to, raw), 250);
    return `${/queued as (\S+)$/.exec(reply.text)![1]}-0`;
  } finally {
    dialog.close();
  }
}

describe('HTTP hardening', () => {
  let box: CaptureboxProcess;
  let bobKey = '';

  before(async () => {
    box = await CaptureboxProcess.start();
    for (const username of ['alice', 'bob']) {
      const created = await box.api('/api/admin/accounts', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username }) });
      assert.equal(created.status, 201);
      const { apiKey } = (await created.json()) as { apiKey: string };
      if (username === 'bob') bobKey = apiKey;
      if (username === 'alice') assert.equal((await box.api(`/api/addresses/${PRIVATE_ADDRESS}`, { method: 'POST', key: apiKey })).status, 200);
    }
    const domain = await box.api('/api/admin/accounts/alice/domains', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ domain: OWNED_DOMAIN }) });
    assert.equal(domain.status, 201);
  });
  after(async () => box?.dispose());

  test('a JSON body over 100 KB is 413 and a bogus charset 415, on every route with a body, anonymous or not', async () => {
    const withBody = declaredRoutes().filter((route) => ['POST', 'PUT'].includes(route.method));
    assert.ok(withBody.length >= 8, `found ${withBody.length} routes with a body`);
    for (const route of withBody) {
      for (const key of [null, ADMIN_API_KEY]) {
        const path = concrete(route.path);
        const big = await box.api(path, { method: route.method, key, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ info: 'x'.repeat(200_000) }) });
        assert.equal(big.status, 413, `${route.method} ${path} big body`);
        assert.deepEqual(Object.keys((await big.json()) as object).sort(), ['error', 'message']);
        const bogus = await box.api(path, { method: route.method, key, headers: { 'Content-Type': 'application/json; charset=bogus' }, body: '{}' });
        assert.equal(bogus.status, 415, `${route.method} ${path} bogus charset`);
        assert.equal(((await bogus.json()) as { error: string }).error, 'Unsupported Media Type');
      }
    }
  });

  test('a conflict from the admin API is 409 "Conflict"', async () => {
    const taken = await box.api('/api/admin/accounts/bob/domains', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ domain: OWNED_DOMAIN }) });
    assert.equal(taken.status, 409);
    assert.equal(((await taken.json()) as { error: string }).error, 'Conflict');
    const duplicate = await box.api('/api/admin/accounts', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'bob' }) });
    assert.equal(duplicate.status, 409);
    assert.equal(((await duplicate.json()) as { error: string }).error, 'Conflict');
  });

  test('a part with an empty Content-Type and a Content-ID renders', async () => {
    const raw = [
      'Subject: empty type',
      'Content-Type: multipart/related; boundary=b',
      '',
      '--b',
      'Content-Type: text/html',
      '',
      '<p>see <img src="cid:part@x"></p>',
      '--b',
      'Content-Type: ;;;',
      'Content-ID: <part@x>',
      'Content-Transfer-Encoding: base64',
      '',
      'aGVsbG8=',
      '--b--',
    ].join('\r\n');
    const id = await sendRaw(box, 'empty-type@hardening.test', raw);
    const rendered = await box.api(`/ui/render/empty-type@hardening.test/${id}`, { key: null });
    assert.equal(rendered.status, 200, await rendered.clone().text());
    assert.match(await rendered.text(), /cid:part@x/, 'not an image type: left as a reference');
  });

  test('no response and no log line carries a presented API key', async () => {
    const probes = [
      `/api/nonexistent?_mailsacKey=${ADMIN_API_KEY}`,
      `/api/addresses/${ADMIN_API_KEY}/messages?_mailsacKey=${ADMIN_API_KEY}`,
      `/api/addresses/a@b.test/messages/${ADMIN_API_KEY}?_mailsacKey=${ADMIN_API_KEY}`,
      `/api/nonexistent/${bobKey}?_mailsacKey=${bobKey}`,
    ];
    for (const path of probes) {
      const response = await box.api(path, { key: null });
      assert.ok(response.status >= 400 && response.status < 500, `${path}: ${response.status}`);
      const text = await response.text();
      assert.ok(!text.includes(ADMIN_API_KEY) && !text.includes(bobKey), `${response.status} echoes the key: ${text}`);
    }
    const header = await box.api(`/api/nonexistent/${ADMIN_API_KEY}`);
    assert.ok(!(await header.text()).includes(ADMIN_API_KEY));
    await eventually(async () => (box.output.filter((line) => line.includes('"http request"')).length >= probes.length ? true : undefined));
    const logs = box.output.join('\n');
    assert.ok(!logs.includes(ADMIN_API_KEY) && !logs.includes(bobKey), 'a log line carries a key');
  });

  test('a private inbox reads exactly like an empty public one, live stream and frame included', async () => {
    const domainAddress = `someone@${OWNED_DOMAIN}`;
    const privateIds = [await sendRaw(box, PRIVATE_ADDRESS, 'Subject: private\r\n\r\nsecret'), await sendRaw(box, domainAddress, 'Subject: domain\r\n\r\nsecret')];
    const publicAddress = 'never-used@hardening.test';
    for (const key of [null, bobKey]) {
      for (const [index, address] of [PRIVATE_ADDRESS, domainAddress].entries()) {
        const id = privateIds[index];
        const pairs: Array<[string, string]> = [
          [`/api/addresses/${address}/messages`, `/api/addresses/${publicAddress}/messages`],
          [`/api/addresses/${address}/message-count`, `/api/addresses/${publicAddress}/message-count`],
          [`/api/addresses/${address}/messages/${id}`, `/api/addresses/${publicAddress}/messages/${id}`],
          [`/api/raw/${address}/${id}`, `/api/raw/${publicAddress}/${id}`],
          [`/ui/render/${address}/${id}`, `/ui/render/${publicAddress}/${id}`],
        ];
        for (const [privatePath, publicPath] of pairs) {
          const [mine, theirs] = await Promise.all([box.api(privatePath, { key }), box.api(publicPath, { key })]);
          assert.equal(mine.status, theirs.status, `${privatePath} as ${key ? 'bob' : 'anonymous'}`);
          assert.equal((await mine.text()).replaceAll(address, publicAddress), await theirs.text(), privatePath);
        }
        const controller = new AbortController();
        const stream = await fetch(`${box.baseUrl}/ui/events/inbox/${address}`, { headers: key ? { 'Mailsac-Key': key } : {}, signal: controller.signal });
        const publicStream = await fetch(`${box.baseUrl}/ui/events/inbox/${publicAddress}`, { headers: key ? { 'Mailsac-Key': key } : {}, signal: controller.signal });
        assert.equal(stream.status, publicStream.status, `live stream of ${address}`);
        assert.equal(stream.status, 200);
        const reader = stream.body!.getReader();
        let seen = new TextDecoder().decode((await reader.read()).value);
        await sendRaw(box, address, 'Subject: streamed\r\n\r\nsecret');
        const more = reader.read().then((chunk) => new TextDecoder().decode(chunk.value));
        seen += await Promise.race([more, new Promise<string>((resolve) => setTimeout(() => resolve(''), 500))]);
        assert.doesNotMatch(seen, /event: captured/, `the live stream of ${address} showed private mail`);
        controller.abort();
      }
    }
  });

  test('an internationalized address reads the same in punycode and in Unicode', async () => {
    const id = await sendRaw(box, 'u@xn--bcher-kva.test', 'Subject: idn\r\n\r\nhello');
    for (const address of ['u@xn--bcher-kva.test', 'u@bücher.test', 'U@XN--BCHER-KVA.TEST', 'u@BÜCHER.test']) {
      const encoded = encodeURIComponent(address);
      const list = (await (await box.api(`/api/addresses/${encoded}/messages`)).json()) as Array<{ _id: string; inbox: string }>;
      assert.deepEqual(list.map((message) => message._id), [id], address);
      assert.equal(list[0].inbox, 'u@bücher.test');
      assert.equal(((await (await box.api(`/api/addresses/${encoded}/message-count`)).json()) as { count: number }).count, 1, address);
      assert.equal((await box.api(`/api/text/${encoded}/${id}`)).status, 200, address);
    }
  });
});
