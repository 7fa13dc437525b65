// Issue 14, item 1, from outside over HTTP: an address account A reserved before its domain was given to
// account B stays A's. B's domain count and listing leave A's mail out (full pages), B's delete-all
// leaves it, and A still reads it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';
import { expectCode, SmtpDialog } from './support/smtp-dialog';

const DOMAIN = 'd.test';
const KATE = `kate@${DOMAIN}`;

describe('a domain given to B keeps the address A reserved in it A’s', () => {
  let box: CaptureboxProcess;
  const keys = { alice: '', bob: '' };
  const bobIds: string[] = [];
  const kateIds: string[] = [];

  const json = async <T>(response: Response): Promise<T> => {
    assert.ok(response.ok, `${response.status} ${await response.clone().text()}`);
    return (await response.json()) as T;
  };

  before(async () => {
    box = await CaptureboxProcess.start();
    for (const username of ['alice', 'bob'] as const) {
      const created = await box.api('/api/admin/accounts', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username }) });
      keys[username] = (await json<{ apiKey: string }>(created)).apiKey;
    }
    await json(await box.api(`/api/addresses/${KATE}`, { method: 'POST', key: keys.alice }));
    const { dialog } = await SmtpDialog.open(box.smtpPort);
    await dialog.secureLogin(ADMIN_USER, ADMIN_API_KEY);
    // B's mail first, A's newest: a listing that filtered after paging would come back short.
    for (const [to, ids] of [['one@d.test', bobIds], ['two@d.test', bobIds], ['three@d.test', bobIds], ['four@d.test', bobIds], [KATE, kateIds], [KATE, kateIds]] as const) {
      const reply = expectCode(await dialog.sendMessage('sender@example.com', to, `Subject: to ${to}\r\n\r\nhello`), 250);
      ids.push(`${/queued as (\S+)$/.exec(reply.text)![1]}-0`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    dialog.close();
    const given = await box.api('/api/admin/accounts/bob/domains', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ domain: DOMAIN }) });
    assert.equal(given.status, 201);
  });
  after(async () => box?.dispose());

  test("B's count and pages leave A's mail out, and pages are full", async () => {
    const info = await json<{ totalMessages: number }>(await box.api(`/api/domains/${DOMAIN}`, { key: keys.bob }));
    assert.equal(info.totalMessages, bobIds.length);
    const page = await json<Array<{ _id: string }>>(await box.api(`/api/domains/${DOMAIN}/messages?limit=3`, { key: keys.bob }));
    assert.deepEqual(page.map((m) => m._id), [...bobIds].reverse().slice(0, 3), 'a full first page of B’s mail');
    const all = await json<Array<{ _id: string }>>(await box.api(`/api/domains/${DOMAIN}/messages?limit=100`, { key: keys.bob }));
    assert.deepEqual(all.map((m) => m._id).sort(), [...bobIds].sort());
    assert.deepEqual(await json(await box.api(`/api/addresses/${KATE}/messages`, { key: keys.bob })), [], 'kate’s inbox is empty to B');
  });

  test("B's delete-all leaves A's mail, and A still reads it", async () => {
    const purge = await box.api(`/api/domains/${DOMAIN}/delete-all-domain-mail`, { method: 'POST', key: keys.bob });
    assert.equal(purge.status, 204);
    assert.equal((await json<{ totalMessages: number }>(await box.api(`/api/domains/${DOMAIN}`, { key: keys.bob }))).totalMessages, 0);
    const kates = await json<Array<{ _id: string }>>(await box.api(`/api/addresses/${KATE}/messages`, { key: keys.alice }));
    assert.deepEqual(kates.map((m) => m._id).sort(), [...kateIds].sort());
    for (const id of kateIds) assert.equal((await box.api(`/api/text/${KATE}/${id}`, { key: keys.alice })).status, 200);
  });
});
