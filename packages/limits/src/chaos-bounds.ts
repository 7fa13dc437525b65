// The vocabulary of a chaos rule (README "Chaos") that the service's rule schema (apps/capture chaos/) and the
// CaptureEnvironment's spec.chaos (operator, so the CRD) are both built from: stages, kinds and each field's
// bounds. Plain data, so both schemas state the same limits.
import type { IntegerBound, NumberBound } from './index';

export const CHAOS_STAGES = ['connect', 'mail', 'rcpt', 'data'] as const;
export const CHAOS_KINDS = ['refuse', 'delay', 'rate_limit', 'connection_limit'] as const;

/** A rule's fields: which kinds take them (and need them), and their bounds. */
export const CHAOS_BOUNDS = {
  /** The SMTP reply code of a refusal: a 4xx or 5xx only (a refusal never looks like success). */
  code: { minimum: 400, maximum: 599 } as IntegerBound,
  /** A refusal's text: one line of printable ASCII, so no CR/LF can reach the wire. */
  text: { minLength: 1, maxLength: 200, pattern: '^[\\x20-\\x7e]+$' },
  delayMs: { minimum: 1, maximum: 120_000 } as IntegerBound,
  /** Each time a refuse/delay rule could fire, it does with this probability. */
  probability: { exclusiveMinimum: 0, maximum: 1, default: 1 } as NumberBound,
  /** Fires this many times, then the rule is gone ("the next N"). */
  times: { minimum: 1, maximum: 1_000_000 } as IntegerBound,
  messages: { minimum: 1, maximum: 1_000_000 } as IntegerBound,
  intervalMs: { minimum: 100, maximum: 86_400_000 } as IntegerBound,
  connections: { minimum: 1, maximum: 1_000_000 } as IntegerBound,
  address: { minLength: 3, maxLength: 320 },
} as const;

/** The fields each kind of rule takes, and which of them it needs (the service's rule schema is checked against it). */
export const CHAOS_KIND_FIELDS = {
  refuse: { required: ['stage', 'code', 'text'], optional: ['scope', 'probability', 'times'] },
  delay: { required: ['stage', 'delayMs'], optional: ['scope', 'probability', 'times'] },
  rate_limit: { required: ['messages', 'intervalMs'], optional: ['scope'] },
  connection_limit: { required: ['connections'], optional: [] },
} as const satisfies Record<(typeof CHAOS_KINDS)[number], { required: readonly string[]; optional: readonly string[] }>;

/** Rules one process holds at most (each is looked at on every stage of every session): the admin API and spec.chaos. */
export const MAX_CHAOS_RULES = 100;
