// API keys are random and high-entropy, so a single SHA-256 is a sound hash for them (unlike passwords,
// there is nothing to brute-force). Keys are looked up by hash; AccountsService compares in constant time.
import { createHash, randomBytes } from 'node:crypto';

const KEY_PREFIX = 'cbx_';

/** A new API key: 32 random bytes, URL-safe, with a recognisable prefix for secret scanners. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
