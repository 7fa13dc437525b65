import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('takes a host name for the SMTP greeting and the Received: lines', () => {
    assert.equal(loadConfig({ CAPTUREBOX_SMTP_HOSTNAME: 'mx.preview.test' }).smtp.hostname, 'mx.preview.test');
  });

  for (const name of ['mx.test\r\nX-Injected: yes', 'two words', 'mx.test;', '-mx.test']) {
    it(`refuses ${JSON.stringify(name)} as the SMTP host name: it would end up inside every Received: line`, () => {
      assert.throws(() => loadConfig({ CAPTUREBOX_SMTP_HOSTNAME: name }), (error: unknown) => error instanceof ConfigError && /CAPTUREBOX_SMTP_HOSTNAME/.test(error.message));
    });
  }
});
