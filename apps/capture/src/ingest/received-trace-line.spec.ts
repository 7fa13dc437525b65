import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionFacts } from '../domain';
import type { CaptureInput } from './build-captured-mail';
import { envelope, session } from './fixtures';
import { receivedTraceLine, withReceivedTraceLine } from './received-trace-line';

const QUEUE_ID = 'abcdefghijklmnopqrstuvwxyz01';

function input(facts: Partial<SessionFacts> = {}, ...rcptTo: string[]): CaptureInput {
  return {
    queueId: QUEUE_ID,
    raw: Buffer.from('Subject: hi\r\n\r\nbody\r\n'),
    received: new Date('2025-11-04T09:05:07.999Z'),
    envelope: envelope(...(rcptTo.length > 0 ? rcptTo : ['ann@example.com'])),
    // No reverse lookup: smtp-server then gives the client's hostname as its address literal.
    session: { ...session, clientHostname: '[192.0.2.10]', ...facts },
  };
}

/** Each header line unfolded (RFC 5322 2.2.3), as a reader of the source would see it. */
function unfolded(line: string): string {
  return line.replace(/\r\n[ \t]/g, ' ');
}

describe('receivedTraceLine', () => {
  it('writes the RFC 5321 trace line, folded, for the one recipient', () => {
    assert.equal(
      receivedTraceLine(input({ heloName: 'mail.sender.example', protocol: 'ESMTPSA' })),
      'Received: from mail.sender.example ([192.0.2.10])\r\n' +
        `\tby capture.example (Capturebox) with ESMTPSA id ${QUEUE_ID}\r\n` +
        '\tfor <ann@example.com>; Tue, 4 Nov 2025 09:05:07 +0000\r\n',
    );
  });

  it('names no recipient when there are several, so no copy shows the blind ones', () => {
    const line = receivedTraceLine(input({}, 'ann@example.com', 'hidden@example.net'));
    assert.doesNotMatch(line, /for|hidden|ann@/);
    assert.match(unfolded(line), new RegExp(`with ESMTPS id ${QUEUE_ID}; Tue, 4 Nov 2025 09:05:07 \\+0000\\r\\n$`));
  });

  it('counts a recipient repeated in another case as one', () => {
    assert.match(receivedTraceLine(input({}, 'Ann@Example.com', 'ann@example.com')), /\tfor <Ann@Example\.com>;/);
  });

  it('writes IPv6 clients as IPv6 address literals', () => {
    assert.match(receivedTraceLine(input({ clientIp: '2001:db8::7' })), /^Received: from client\.example \(\[IPv6:2001:db8::7\]\)\r\n/);
  });

  it('keeps a reverse name beside the address when there is one', () => {
    assert.match(receivedTraceLine(input({ clientHostname: 'ptr.example.net' })), /^Received: from client\.example \(ptr\.example\.net \[192\.0\.2\.10\]\)/);
  });

  for (const helo of ['evil\r\nX-Injected: yes', 'a;b', 'name (comment)', 'x\tby other', '']) {
    it(`leaves out a HELO name that is no domain: ${JSON.stringify(helo)}`, () => {
      const line = receivedTraceLine(input({ heloName: helo }));
      assert.ok(line.startsWith('Received: from [192.0.2.10] ([192.0.2.10])\r\n\tby '), line);
      // One header field: the only line breaks are the folds and the final CRLF.
      assert.equal(line.split('\r\n').length, 4);
      assert.ok(line.split('\r\n').slice(1, 3).every((fold) => fold.startsWith('\t')));
      assert.doesNotMatch(line, /X-Injected|a;b|comment|other/);
    });
  }

  it('keeps address literals and internationalized names the client greeted with', () => {
    assert.match(receivedTraceLine(input({ heloName: '[IPv6:2001:db8::7]' })), /^Received: from \[IPv6:2001:db8::7\] \(/);
    assert.match(receivedTraceLine(input({ heloName: 'bücher.example' })), /^Received: from bücher\.example \(/);
  });
});

describe('withReceivedTraceLine', () => {
  it('puts the trace line in front of the DATA, whose bytes stay exactly as received', () => {
    const original = input();
    const traced = withReceivedTraceLine(original);
    const line = Buffer.from(receivedTraceLine(original), 'utf8');
    assert.deepEqual(traced.raw, Buffer.concat([line, original.raw]));
    assert.deepEqual({ ...traced, raw: null }, { ...original, raw: null });
  });
});
