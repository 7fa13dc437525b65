// A small client of spamd's own protocol (SpamAssassin's "SPAMC/1.5", documented in spamd's PROTOCOL file and
// in Mail::SpamAssassin::Spamd): one TCP connection per message, the SYMBOLS command, which answers the score,
// the threshold and the names of the rules that fired. npm's `spamc` (last published 2013, no TLS, no
// deadline) did not fit, and the protocol is a few lines.
//
//   -> SYMBOLS SPAMC/1.5\r\nContent-length: <bytes>\r\n\r\n<message>
//   <- SPAMD/1.1 0 EX_OK\r\nContent-length: <n>\r\nSpam: True ; 1000.0 / 5.0\r\n\r\nGTUBE,NO_RECEIVED
import { connect } from 'node:net';
import type { SpamVerdict } from '../domain';

export interface SpamdAddress {
  host: string;
  port: number;
}

/** An answer we could not use, or a connection that failed or ran out of time: the message stays not scored. */
export class SpamdError extends Error {
  override readonly name = 'SpamdError';
}

/** Asks spamd for its verdict on `raw`; rejects with SpamdError after `timeoutMs` whatever happens. */
export function checkWithSpamd(address: SpamdAddress, raw: Buffer, timeoutMs: number): Promise<SpamVerdict> {
  return new Promise((resolve, reject) => {
    const socket = connect(address.port, address.host);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => fail(new SpamdError(`spamd gave no answer within ${timeoutMs} ms`)), timeoutMs);
    function fail(error: Error): void {
      clearTimeout(timer);
      socket.destroy();
      reject(error instanceof SpamdError ? error : new SpamdError(`spamd: ${error.message}`, { cause: error }));
    }
    socket.on('connect', () => {
      socket.write(`SYMBOLS SPAMC/1.5\r\nContent-length: ${raw.length}\r\n\r\n`);
      socket.write(raw);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', fail);
    // spamd closes the connection once it has answered.
    socket.on('end', () => {
      clearTimeout(timer);
      socket.destroy();
      try {
        resolve(parseSymbolsReply(Buffer.concat(chunks).toString('latin1')));
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** spamd's reply to SYMBOLS, as the protocol writes it; exported for its spec. */
export function parseSymbolsReply(reply: string): SpamVerdict {
  const headerEnd = reply.indexOf('\r\n\r\n');
  const head = headerEnd < 0 ? reply : reply.slice(0, headerEnd);
  const [statusLine, ...headers] = head.split('\r\n');
  const status = /^SPAMD\/\d+\.\d+ (\d+) (.*)$/.exec(statusLine ?? '');
  if (!status) throw new SpamdError(`spamd answered no SPAMD status line`);
  if (status[1] !== '0') throw new SpamdError(`spamd refused: ${status[1]} ${status[2]}`);
  const spam = headers.map((line) => /^Spam: *(\w+) *; *(-?[\d.]+) *\/ *(-?[\d.]+) *$/i.exec(line)).find(Boolean);
  if (!spam) throw new SpamdError('spamd answered no Spam: header');
  const body = headerEnd < 0 ? '' : reply.slice(headerEnd + 4).trim();
  return { score: Number(spam[2]) || 0, required: Number(spam[3]) || 0, rules: body ? body.split(',').map((rule) => rule.trim()).filter(Boolean) : [] };
}
