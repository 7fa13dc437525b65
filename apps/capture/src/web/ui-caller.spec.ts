import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from 'express';
import type { Account, AccountsService } from '../accounts';
import { readCookie, resolveUiAccount, UI_SESSION_COOKIE } from './ui-caller';

const admin: Account = { id: 'admin', username: 'admin', isAdmin: true, capturePrivate: false, messageLimit: 100 };
const accounts = { findByApiKey: async (key: string) => (key === 'good-key-0123456789' ? admin : null) } as unknown as AccountsService;

function request(headers: Record<string, string>, query: Record<string, string> = {}): Request {
  return { headers, query } as unknown as Request;
}

describe('UI caller', () => {
  test('reads one cookie among many, URL-decoded', () => {
    const req = request({ cookie: `a=1; ${UI_SESSION_COOKIE}=cbx_%2Bkey; b=2` });
    assert.equal(readCookie(req, UI_SESSION_COOKIE), 'cbx_+key');
    assert.equal(readCookie(req, 'missing'), undefined);
    assert.equal(readCookie(request({}), UI_SESSION_COOKIE), undefined);
  });

  test('header, then query, then cookie; a bad explicit key is refused, a stale cookie is anonymous', async () => {
    assert.equal(await resolveUiAccount(request({ 'mailsac-key': 'good-key-0123456789' }), accounts), admin);
    assert.equal(await resolveUiAccount(request({}, { _mailsacKey: 'good-key-0123456789' }), accounts), admin);
    assert.equal(await resolveUiAccount(request({ cookie: `${UI_SESSION_COOKIE}=good-key-0123456789` }), accounts), admin);
    assert.equal(await resolveUiAccount(request({ cookie: `${UI_SESSION_COOKIE}=revoked` }), accounts), null);
    assert.equal(await resolveUiAccount(request({}), accounts), null);
    await assert.rejects(resolveUiAccount(request({ 'mailsac-key': 'wrong' }), accounts), /Unknown API key/);
  });
});
