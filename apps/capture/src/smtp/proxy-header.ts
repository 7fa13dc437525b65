// Reads a PROXY protocol header (v1 text or v2 binary, as HAProxy and cloud load balancers send) from the
// start of a connection and returns the original client's address. Bytes after the header are pushed
// back into the socket for the SMTP session. Parsing is proxy-protocol-js; this file only frames.
import type { Socket } from 'node:net';
import { V1ProxyProtocol, V2ProxyProtocol } from 'proxy-protocol-js';

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from('PROXY ');
const V1_MAX_LENGTH = 107;
const V2_FIXED_LENGTH = 16;
const V2_MAX_LENGTH = V2_FIXED_LENGTH + 536;

export interface ProxiedPeer {
  /** null for PROXY "UNKNOWN" / v2 LOCAL: keep the socket's own address. */
  remoteAddress: string | null;
  remotePort: number | null;
}

export class ProxyHeaderError extends Error {
  override name = 'ProxyHeaderError';
}

export function readProxyHeader(socket: Socket, timeoutMs: number): Promise<ProxiedPeer> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const finish = (error: Error | null, peer?: ProxiedPeer, rest?: Buffer) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (error) return reject(error);
      socket.pause();
      if (rest && rest.length > 0) socket.unshift(rest);
      resolve(peer!);
    };
    const onClose = () => finish(new ProxyHeaderError('connection closed before the PROXY header'));
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      try {
        const framed = frame(buffered);
        if (framed) finish(null, framed.peer, buffered.subarray(framed.length));
      } catch (error) {
        finish(error as Error);
      }
    };
    const timer = setTimeout(() => finish(new ProxyHeaderError('no PROXY header in time')), timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** The parsed header and its byte length once complete, null while more bytes are needed. */
function frame(bytes: Buffer): { peer: ProxiedPeer; length: number } | null {
  if (startsWith(bytes, V2_SIGNATURE)) {
    if (bytes.length < V2_FIXED_LENGTH) return null;
    const length = V2_FIXED_LENGTH + bytes.readUInt16BE(14);
    if (length > V2_MAX_LENGTH) throw new ProxyHeaderError('PROXY v2 header too long');
    if (bytes.length < length) return null;
    return { peer: peerOfV2(V2ProxyProtocol.parse(bytes.subarray(0, length))), length };
  }
  if (startsWith(bytes, V1_PREFIX) || startsWith(V1_PREFIX, bytes)) {
    const end = bytes.indexOf('\r\n');
    if (end === -1) {
      if (bytes.length > V1_MAX_LENGTH) throw new ProxyHeaderError('PROXY v1 header too long');
      return null;
    }
    const line = bytes.subarray(0, end).toString('latin1');
    if (line.startsWith('PROXY UNKNOWN')) return { peer: { remoteAddress: null, remotePort: null }, length: end + 2 };
    const parsed = V1ProxyProtocol.parse(`${line}\r\n`);
    return { peer: { remoteAddress: parsed.source.ipAddress, remotePort: parsed.source.port }, length: end + 2 };
  }
  if (bytes.length >= V2_SIGNATURE.length || !startsWith(V2_SIGNATURE, bytes)) throw new ProxyHeaderError('expected a PROXY protocol header');
  return null;
}

function peerOfV2(header: V2ProxyProtocol): ProxiedPeer {
  const address = header.proxyAddress as unknown as { sourceAddress?: { address: number[] }; sourcePort?: number };
  const bytes = address.sourceAddress?.address;
  if (!bytes || address.sourcePort === undefined) return { remoteAddress: null, remotePort: null };
  if (bytes.length === 4) return { remoteAddress: bytes.join('.'), remotePort: address.sourcePort };
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  // The full eight-group form is a valid IPv6 text form; compressing it is only cosmetic.
  return { remoteAddress: groups.join(':'), remotePort: address.sourcePort };
}

function startsWith(bytes: Buffer, prefix: Buffer): boolean {
  return bytes.length >= prefix.length ? bytes.subarray(0, prefix.length).equals(prefix) : false;
}
