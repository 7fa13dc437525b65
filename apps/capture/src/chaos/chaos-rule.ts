// What an admin can ask the SMTP side to do wrong, on purpose (POST /api/admin/chaos): refuse or delay at a stage,
// a rate limit, a connection limit; for the whole instance, one account's sessions or one address. Plain data and
// the rule of who a rule applies to; the counting is chaos.service.ts'.
import { z } from 'zod';

export const CHAOS_STAGES = ['connect', 'mail', 'rcpt', 'data'] as const;
export type ChaosStage = (typeof CHAOS_STAGES)[number];

/** An SMTP reply text as a client sees it: one line of printable ASCII (no CR/LF can reach the wire). */
const ReplyText = z.string().min(1).max(200).regex(/^[\x20-\x7e]+$/, 'must be one line of printable ASCII');

/** Whose mail a rule touches: one account's sessions (by account id), one recipient address, or (absent) everyone. */
const Scope = z.union([z.object({ account: z.string().min(1) }).strict(), z.object({ address: z.string().min(3).max(320) }).strict()]);

const Chance = {
  /** Each time the rule could fire, it does with this probability. */
  probability: z.number().gt(0).max(1).default(1),
  /** Fires this many times, then the rule is gone ("the next N"); absent: until deleted. */
  times: z.number().int().min(1).max(1_000_000).optional(),
};

export const ChaosRuleInput = z.discriminatedUnion('kind', [
  z
    .object({ kind: z.literal('refuse'), stage: z.enum(CHAOS_STAGES), code: z.number().int().min(400).max(599), text: ReplyText, scope: Scope.optional(), ...Chance })
    .strict(),
  z.object({ kind: z.literal('delay'), stage: z.enum(CHAOS_STAGES), delayMs: z.number().int().min(1).max(120_000), scope: Scope.optional(), ...Chance }).strict(),
  /** 421 at MAIL FROM past `messages` transactions in any `intervalMs` (a sliding window), in its scope. */
  z.object({ kind: z.literal('rate_limit'), messages: z.number().int().min(1).max(1_000_000), intervalMs: z.number().int().min(100).max(86_400_000), scope: Scope.optional() }).strict(),
  /** 421 on connect while `connections` are open: the whole instance only (nothing is known of a session yet). */
  z.object({ kind: z.literal('connection_limit'), connections: z.number().int().min(1).max(1_000_000) }).strict(),
]);

export type ChaosRuleSpec = z.output<typeof ChaosRuleInput>;
export type ChaosRule = ChaosRuleSpec & { id: string; created: Date };

/** What a stage knows of the session: its account once logged in, the recipients so far (lower-case). */
export interface StageFacts {
  accountId: string | null;
  recipients: readonly string[];
}

/** Whether `rule` applies to this session at this stage (its counting aside). */
export function ruleApplies(rule: ChaosRule, stage: ChaosStage, facts: StageFacts): boolean {
  if (rule.kind === 'connection_limit') return stage === 'connect';
  const ruleStage = rule.kind === 'rate_limit' ? 'mail' : rule.stage;
  if (ruleStage !== stage) return false;
  const scope = rule.scope;
  if (!scope) return true;
  if ('account' in scope) return facts.accountId === scope.account;
  return facts.recipients.includes(scope.address.toLowerCase());
}

/** Rules that could never fire are refused when set: an account is unknown at connect, an address before RCPT. */
export function unreachableReason(rule: ChaosRuleSpec): string | null {
  if (rule.kind === 'connection_limit' || !rule.scope) return null;
  const stage = rule.kind === 'rate_limit' ? 'mail' : rule.stage;
  if (stage === 'connect') return 'a rule at connect applies to the whole instance only: no account or address is known yet';
  if ('address' in rule.scope && stage === 'mail') return 'an address rule applies from rcpt on: no recipient is known at mail';
  return null;
}
