import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEncodedWords, headerFieldText, readHeaderLines, splitHeaderBlock } from './header-lines';

/** A header line as mailparser hands it out: one char per source byte. */
function binaryLine(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

describe('decodeEncodedWords', () => {
  it('decodes B and Q words', () => {
    assert.equal(decodeEncodedWords('=?UTF-8?B?w6TDtsO8?='), 'äöü');
    assert.equal(decodeEncodedWords('=?iso-8859-1?Q?Stra=DFe_1?='), 'Straße 1');
  });

  it('keeps the text around words and drops whitespace between adjacent words', () => {
    assert.equal(decodeEncodedWords('Re: =?UTF-8?Q?caf=C3=A9?= =?UTF-8?Q?_au_lait?= now'), 'Re: café au lait now');
  });

  it('joins adjacent words before decoding, so a character split across two words survives', () => {
    // '😀' is F0 9F 98 80; an encoder may cut it in two.
    assert.equal(decodeEncodedWords('=?UTF-8?Q?=F0=9F?= =?UTF-8?Q?=98=80?='), '😀');
  });

  it('decodes windows-1252 words with its own characters, not as ISO-8859-1', () => {
    assert.equal(decodeEncodedWords('=?windows-1252?Q?Don=92t_pay_=80_5?='), 'Don’t pay € 5');
  });

  it('accepts an RFC 2231 language suffix on the charset', () => {
    assert.equal(decodeEncodedWords('=?UTF-8*en?Q?hello?='), 'hello');
  });

  it('leaves words in an unknown charset exactly as written', () => {
    const text = 'a =?x-unknown-charset?Q?abc?= =?x-unknown-charset?Q?def?= b';
    assert.equal(decodeEncodedWords(text), text);
  });

  it('returns text without encoded words unchanged', () => {
    assert.equal(decodeEncodedWords('no =? words here ?='), 'no =? words here ?=');
  });
});

describe('headerFieldText', () => {
  it('takes the text after the first colon and unfolds it', () => {
    assert.equal(headerFieldText('X-Test: a: b\r\n  c\r\n\td'), 'a: b  c\td');
  });

  it('reads raw 8-bit bytes as UTF-8 when they are valid UTF-8', () => {
    assert.equal(headerFieldText(binaryLine('Subject: Grüße 😀')), 'Grüße 😀');
  });

  it('reads raw 8-bit bytes that are not UTF-8 as windows-1252', () => {
    // 0xFC 0xDF is "üß" in ISO-8859-1 and invalid UTF-8; 0x80 is "€" only in windows-1252.
    const line = Buffer.concat([
      Buffer.from('Subject: Gr'),
      Buffer.from([0xfc, 0xdf]),
      Buffer.from('e '),
      Buffer.from([0x80]),
    ]);
    assert.equal(headerFieldText(line.toString('latin1')), 'Grüße €');
  });

  it('is empty for a line without a colon', () => {
    assert.equal(headerFieldText('no colon'), '');
  });
});

describe('readHeaderLines', () => {
  it('keeps header fields in order, decoded', () => {
    const headers = readHeaderLines([
      { key: 'received', line: 'Received: from a' },
      { key: 'subject', line: 'Subject: =?UTF-8?B?w6TDtsO8?=' },
      { key: 'received', line: 'Received: from b' },
    ]);
    assert.deepEqual(headers, [
      { key: 'received', name: 'Received', value: 'from a' },
      { key: 'subject', name: 'Subject', value: 'äöü' },
      { key: 'received', name: 'Received', value: 'from b' },
    ]);
  });

  it('leaves out lines whose name is not a valid field name', () => {
    const headers = readHeaderLines([
      { key: '', line: 'just body text' },
      { key: '\u0000\u0000from', line: '\u0000\u0000From: x@example.com' },
      { key: 'bad name', line: 'Bad Name: x' },
      { key: 'x-ok', line: 'X-OK: yes' },
    ]);
    assert.deepEqual(headers, [{ key: 'x-ok', name: 'X-OK', value: 'yes' }]);
  });
});

describe('splitHeaderBlock', () => {
  it('reads the header block like mailparser: lower-case keys, folded lines kept together', () => {
    const raw = Buffer.from('From: a@example.com\r\nSubject: one\r\n two\nX-LF: lf\r\n\r\nBody: not a header\r\n');
    assert.deepEqual(splitHeaderBlock(raw), [
      { key: 'from', line: 'From: a@example.com' },
      { key: 'subject', line: 'Subject: one\r\n two' },
      { key: 'x-lf', line: 'X-LF: lf' },
    ]);
  });

  it('finds no headers in a source that starts with an empty line', () => {
    assert.deepEqual(splitHeaderBlock(Buffer.from('\r\nBody: text\r\n')), []);
  });
});
