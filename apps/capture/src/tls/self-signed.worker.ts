// Makes the self-signed pair on a short-lived thread: selfsigned and its X.509/ASN.1 libraries (about 4 MB of
// RSS once loaded) go with the thread instead of staying in the server for its whole life, for a pair that
// is made once per data directory.
import { parentPort, workerData } from 'node:worker_threads';
import { generate } from 'selfsigned';

export interface SelfSignedRequest {
  hostname: string;
  notAfter: Date;
}

export interface SelfSignedPems {
  cert: string;
  private: string;
}

async function main(port: NonNullable<typeof parentPort>, { hostname, notAfter }: SelfSignedRequest): Promise<void> {
  const pems = await generate([{ name: 'commonName', value: hostname }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: hostname }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  port.postMessage({ cert: pems.cert, private: pems.private } satisfies SelfSignedPems);
}

// A failure is an unhandled rejection, which ends the thread with an 'error' event on the main thread.
if (parentPort) void main(parentPort, workerData as SelfSignedRequest);
