// The bootstrap admin account comes from configuration (in Kubernetes, a Secret). When no key is
// configured, one is generated at first start, printed once, and only its hash is kept in the data dir.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateApiKey, hashApiKey } from './api-keys';

export interface BootstrapAdminKey {
  keyHash: string;
  /** The clear key, only when it was generated during this start: the caller prints it once. */
  generatedKey: string | null;
}

export async function loadBootstrapAdminKey(configuredKey: string | undefined, dataDir: string): Promise<BootstrapAdminKey> {
  if (configuredKey) return { keyHash: hashApiKey(configuredKey), generatedKey: null };
  const hashFile = join(dataDir, 'admin-api-key.sha256');
  if (existsSync(hashFile)) {
    const keyHash = (await readFile(hashFile, 'utf8')).trim();
    if (/^[0-9a-f]{64}$/.test(keyHash)) return { keyHash, generatedKey: null };
  }
  const generatedKey = generateApiKey();
  await mkdir(dataDir, { recursive: true });
  await writeFile(`${hashFile}.tmp`, hashApiKey(generatedKey) + '\n', { mode: 0o600 });
  await rename(`${hashFile}.tmp`, hashFile);
  return { keyHash: hashApiKey(generatedKey), generatedKey };
}
