import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { checkWithSpamd, parseSymbolsReply, SpamdError } from './spamd-client';

describe('parseSymbolsReply', () => {
  it("reads spamd's score, threshold and rules", () => {
    const reply = 'SPAMD/1.1 0 EX_OK\r\nContent-length: 30\r\nSpam: True ; 1003.3 / 5.0\r\n\r\nGTUBE,MISSING_DATE,NO_RELAYS';
    assert.deepEqual(parseSymbolsReply(reply), { score: 1003.3, required: 5, rules: ['GTUBE', 'MISSING_DATE', 'NO_RELAYS'] });
    assert.deepEqual(parseSymbolsReply('SPAMD/1.1 0 EX_OK\r\nSpam: False ; -0.0 / 5.0\r\n\r\n'), { score: 0, required: 5, rules: [] });
    assert.deepEqual(parseSymbolsReply('SPAMD/1.1 0 EX_OK\r\nSpam: No ; -1.9 / 3.5\r\n\r\nBAYES_00\r\n'), { score: -1.9, required: 3.5, rules: ['BAYES_00'] });
  });

  it('refuses an error status, a reply without a status line or without a Spam: header', () => {
    assert.throws(() => parseSymbolsReply('SPAMD/1.0 76 Bad header line: (EOF)\r\n\r\n'), (error: unknown) => error instanceof SpamdError && /76/.test(error.message));
    assert.throws(() => parseSymbolsReply('HTTP/1.1 200 OK\r\n\r\n'), SpamdError);
    assert.throws(() => parseSymbolsReply('SPAMD/1.1 0 EX_OK\r\nContent-length: 0\r\n\r\n'), SpamdError);
  });
});

describe('checkWithSpamd', () => {
  async function withServer(onConnection: (socket: Socket) => void, run: (port: number) => Promise<void>): Promise<void> {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      onConnection(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await run((server.address() as AddressInfo).port);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('sends SYMBOLS with the exact content length and reads the answer', async () => {
    let request = '';
    await withServer(
      (socket) =>
        socket.on('data', (chunk) => {
          request += chunk.toString('latin1');
          if (request.endsWith('body\r\n')) socket.end('SPAMD/1.1 0 EX_OK\r\nSpam: False ; 1.5 / 5.0\r\n\r\nNO_RELAYS');
        }),
      async (port) => {
        const raw = Buffer.from('Subject: x\r\n\r\nbody\r\n');
        assert.deepEqual(await checkWithSpamd({ host: '127.0.0.1', port }, raw, 2000), { score: 1.5, required: 5, rules: ['NO_RELAYS'] });
        assert.equal(request, `SYMBOLS SPAMC/1.5\r\nContent-length: ${raw.length}\r\n\r\n${raw.toString('latin1')}`);
      },
    );
  });

  it('gives up at the deadline when spamd says nothing, and fails at once when nothing listens', async () => {
    await withServer(
      () => {},
      async (port) => {
        const started = Date.now();
        await assert.rejects(checkWithSpamd({ host: '127.0.0.1', port }, Buffer.from('x'), 300), (error: unknown) => error instanceof SpamdError && /300 ms/.test(error.message));
        assert.ok(Date.now() - started < 1500);
      },
    );
    await assert.rejects(checkWithSpamd({ host: '127.0.0.1', port: 1 }, Buffer.from('x'), 2000), SpamdError);
  });
});
