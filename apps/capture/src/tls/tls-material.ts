// Where the SMTP (and later HTTP) listeners get their certificate: configured PEM files (cert-manager's
// tls.crt / tls.key), or a self-signed pair generated once into the data directory so STARTTLS always works.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { Worker } from 'node:worker_threads';
import type { SelfSignedPems, SelfSignedRequest } from './self-signed.worker';

export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
  /** Where it came from, for the start-up log. */
  source: string;
}

export interface TlsFiles {
  certFile: string | undefined;
  keyFile: string | undefined;
}

export async function loadTlsMaterial(files: TlsFiles, dataDir: string, hostname: string): Promise<TlsMaterial> {
  if (files.certFile && files.keyFile) {
    const [cert, key] = await Promise.all([readFile(files.certFile), readFile(files.keyFile)]);
    try {
      createSecureContext({ cert, key });
    } catch (error) {
      throw new Error(`CAPTUREBOX_TLS_CERT_FILE/CAPTUREBOX_TLS_KEY_FILE do not hold a valid PEM certificate and matching key: ${(error as Error).message}`);
    }
    return { cert, key, source: files.certFile };
  }
  return loadOrGenerateSelfSigned(join(dataDir, 'tls'), hostname);
}

async function loadOrGenerateSelfSigned(dir: string, hostname: string): Promise<TlsMaterial> {
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    await mkdir(dir, { recursive: true });
    const notAfter = new Date();
    notAfter.setFullYear(notAfter.getFullYear() + 10);
    const pems = await generateOnThread({ hostname, notAfter });
    // Write then rename, so a crash never leaves a half-written key that blocks the next start.
    await writeFile(`${keyFile}.tmp`, pems.private, { mode: 0o600 });
    await writeFile(`${certFile}.tmp`, pems.cert);
    await rename(`${keyFile}.tmp`, keyFile);
    await rename(`${certFile}.tmp`, certFile);
  }
  const [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)]);
  return { cert, key, source: `${certFile} (self-signed)` };
}

/** Runs `self-signed.worker.ts` once and ends it: see there why the pair is not made on this thread. */
function generateOnThread(request: SelfSignedRequest): Promise<SelfSignedPems> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'self-signed.worker.js'), { workerData: request });
    worker.once('message', (pems: SelfSignedPems) => {
      resolve(pems);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the self-signed certificate thread exited with code ${code} before answering`)));
  });
}
