// Reads one message's DATA under the SMTP limits: first a turn from DataAdmission (the stream is left
// unread meanwhile, so TCP holds the sender back), then the bytes up to the SIZE limit, all before the
// DATA deadline. The turn is handed to the caller, who keeps it while the message is parsed and stored.
import type { SMTPServerDataStream } from 'smtp-server';
import type { DataAdmission, DataTurn } from './smtp-limits';
import { SmtpRefusal } from './smtp-replies';

/** The deadline passed: still waiting for a turn ('busy') or still receiving ('data_timeout'). */
export class DataCutOff extends Error {
  constructor(readonly reason: 'busy' | 'data_timeout') {
    super(`DATA cut off: ${reason}`);
    this.name = 'DataCutOff';
  }
}

export interface ReceiveOptions {
  maxBytes: number;
  /** The SIZE the client declared at MAIL FROM (RFC 1870), if any: reserved instead of maxBytes, and held to. */
  declaredBytes?: number;
  admission: DataAdmission;
  timeoutMs: number;
}

export function receiveData(stream: SMTPServerDataStream, options: ReceiveOptions): Promise<{ raw: Buffer; turn: DataTurn }> {
  return new Promise((resolve, reject) => {
    let turn: DataTurn | null = null;
    let settled = false;
    const settle = (error: Error | null, raw?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error || !turn) {
        turn?.();
        reject(error ?? new DataCutOff('busy'));
      } else resolve({ raw: raw!, turn });
    };
    const timer = setTimeout(() => settle(new DataCutOff(turn ? 'data_timeout' : 'busy')), options.timeoutMs);
    stream.once('error', (error) => settle(error));
    const reserve = Math.min(options.maxBytes, options.declaredBytes ?? options.maxBytes);
    void options.admission.enter(reserve, options.timeoutMs + 1_000).then((granted) => {
      if (settled || !granted) return granted?.();
      turn = granted;
      read(stream, reserve, settle);
    }, settle);
  });
}

/** Reads at most `reserved` bytes into memory; a message beyond them is refused (RFC 1870 allows it for a declared SIZE). */
function read(stream: SMTPServerDataStream, reserved: number, settle: (error: Error | null, raw?: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let kept = 0;
  let over = false;
  stream.on('data', (chunk: Buffer) => {
    // Past the reservation the message is refused anyway; stop holding its bytes in memory.
    if (kept + chunk.length <= reserved) {
      chunks.push(chunk);
      kept += chunk.length;
    } else over = true;
  });
  stream.once('end', () => {
    if (stream.sizeExceeded || over) return settle(new SmtpRefusal('message_too_big'));
    settle(null, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, kept));
  });
}
