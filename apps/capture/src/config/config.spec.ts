import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PORTS, MESSAGE_BYTES, RETENTION_MAX_AGE_HOURS, RETENTION_MAX_MESSAGES_PER_INBOX } from '@capturebox/limits';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('defaults to the limits the operator and the chart share', () => {
    const config = loadConfig({});
    assert.equal(config.smtp.maxMessageBytes, MESSAGE_BYTES.default);
    assert.equal(config.smtp.port, DEFAULT_PORTS.smtp);
    assert.equal(config.http.port, DEFAULT_PORTS.http);
    assert.equal(config.retention.maxMessagesPerInbox, RETENTION_MAX_MESSAGES_PER_INBOX.default);
    assert.equal(config.retention.maxAgeHours, RETENTION_MAX_AGE_HOURS.default);
  });

  it('refuses a SIZE limit outside the shared bounds, naming the variable', () => {
    for (const bytes of [MESSAGE_BYTES.minimum - 1, MESSAGE_BYTES.maximum + 1]) {
      assert.throws(() => loadConfig({ CAPTUREBOX_SMTP_MAX_BYTES: String(bytes) }), (error: unknown) => error instanceof ConfigError && /CAPTUREBOX_SMTP_MAX_BYTES/.test(error.message));
    }
    assert.equal(loadConfig({ CAPTUREBOX_SMTP_MAX_BYTES: String(MESSAGE_BYTES.maximum) }).smtp.maxMessageBytes, MESSAGE_BYTES.maximum);
  });

  it('takes a host name for the SMTP greeting and the Received: lines', () => {
    assert.equal(loadConfig({ CAPTUREBOX_SMTP_HOSTNAME: 'mx.preview.test' }).smtp.hostname, 'mx.preview.test');
  });

  for (const name of ['mx.test\r\nX-Injected: yes', 'two words', 'mx.test;', '-mx.test']) {
    it(`refuses ${JSON.stringify(name)} as the SMTP host name: it would end up inside every Received: line`, () => {
      assert.throws(() => loadConfig({ CAPTUREBOX_SMTP_HOSTNAME: name }), (error: unknown) => error instanceof ConfigError && /CAPTUREBOX_SMTP_HOSTNAME/.test(error.message));
    });
  }

  it('takes the deny-list as domains and IP addresses, split on commas or spaces; anything else is refused', () => {
    assert.deepEqual(loadConfig({}).denylist, []);
    assert.deepEqual(loadConfig({ CAPTUREBOX_DENYLIST: ' Spam.Test,203.0.113.9  2001:db8::1,, bücher.example ' }).denylist, ['spam.test', '203.0.113.9', '2001:db8::1', 'bücher.example']);
    for (const bad of ['localhost', 'someone@spam.test', 'https://spam.test/']) {
      assert.throws(() => loadConfig({ CAPTUREBOX_DENYLIST: bad }), (error: unknown) => error instanceof ConfigError && /CAPTUREBOX_DENYLIST/.test(error.message), bad);
    }
  });
});
