// Optional expiry of preview environments: spec.ttl (counted from creation) or spec.expiresAt.
import type { EnvironmentSpec } from './spec';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "72h", "7d", "1h30m" -> milliseconds. */
export function parseTtl(ttl: string): number {
  const parts = [...ttl.matchAll(/([0-9]+)(d|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== ttl) throw new Error(`not a ttl: ${ttl}`);
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * UNIT_SECONDS[unit] * 1000, 0);
}

/** When the environment expires, or undefined when it lives until deleted. */
export function expiryOf(creationTimestamp: string, spec: Pick<EnvironmentSpec, 'ttl' | 'expiresAt'>): Date | undefined {
  if (spec.expiresAt) return new Date(spec.expiresAt);
  if (spec.ttl) return new Date(new Date(creationTimestamp).getTime() + parseTtl(spec.ttl));
  return undefined;
}

/** RFC 3339 without milliseconds, as Kubernetes writes times. */
export function kubernetesTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
