import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCharset, decodeWindows1252 } from './decode-charset';

describe('decodeCharset', () => {
  it('decodes windows-1252 and the labels mapped to it with the right characters for 0x80..0x9F', () => {
    const bytes = Buffer.from([0x44, 0x6f, 0x6e, 0x92, 0x74, 0x20, 0x80, 0x96, 0xe4]);
    for (const label of ['windows-1252', 'ISO-8859-1', 'latin1', 'us-ascii']) {
      assert.equal(decodeCharset(bytes, label), 'Don’t €–ä', label);
    }
  });

  it('decodes other charsets with TextDecoder', () => {
    assert.equal(decodeCharset(Buffer.from([0xb1, 0xe6]), 'iso-8859-2'), 'ąć');
    assert.equal(decodeCharset(Buffer.from([0x82, 0xa0]), 'shift_jis'), 'あ');
  });

  it('says null for a charset it does not know', () => {
    assert.equal(decodeCharset(Buffer.from('abc'), 'utf-7'), null);
  });
});

describe('decodeWindows1252', () => {
  it('decodes inputs longer than one chunk', () => {
    const bytes = Buffer.alloc(20_000, 0x80);
    assert.equal(decodeWindows1252(bytes), '€'.repeat(20_000));
  });
});
