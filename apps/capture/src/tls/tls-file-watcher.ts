// Reloads certificate and key when their files change, as cert-manager renews them and Kubernetes swaps
// the mounted Secret through a `..data` symlink. Polling the resolved paths' contents is the reliable way:
// inotify watches on the old symlink target never fire after the swap.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import type { TlsMaterial } from './tls-material';

export interface TlsFilePaths {
  certFile: string;
  keyFile: string;
}

export type TlsReloadListener = (material: TlsMaterial) => void;
export type TlsReloadErrorListener = (error: Error) => void;

export class TlsFileWatcher {
  private timer: NodeJS.Timeout | null = null;
  private fingerprint: string;
  private checking = false;

  constructor(
    private readonly files: TlsFilePaths,
    current: TlsMaterial,
    private readonly onReload: TlsReloadListener,
    private readonly onError: TlsReloadErrorListener,
  ) {
    this.fingerprint = fingerprintOf(current.cert, current.key);
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reads both files; when they changed and form a valid pair, hands the new material on. */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const [cert, key] = await Promise.all([readFile(this.files.certFile), readFile(this.files.keyFile)]);
      const fingerprint = fingerprintOf(cert, key);
      if (fingerprint === this.fingerprint) return;
      // A half-written pair (cert renewed, key not yet) fails here and is retried on the next tick.
      createSecureContext({ cert, key });
      this.fingerprint = fingerprint;
      this.onReload({ cert, key, source: this.files.certFile });
    } catch (error) {
      this.onError(error as Error);
    } finally {
      this.checking = false;
    }
  }
}

function fingerprintOf(cert: Buffer, key: Buffer): string {
  return createHash('sha256').update(cert).update('\0').update(key).digest('hex');
}
