// What an admin can ask the SMTP side to do wrong, on purpose (POST /api/admin/chaos): refuse or delay at a stage,
// a rate limit, a connection limit; for the whole instance, one account's sessions or one address. Plain data and
// the rule of who a rule applies to; the counting is chaos.service.ts'.
import { CHAOS_BOUNDS as B, CHAOS_STAGES, type IntegerBound } from '@capturebox/limits';
import { z } from 'zod';

export { CHAOS_STAGES };
export type ChaosStage = (typeof CHAOS_STAGES)[number];

const int = (bound: IntegerBound) => z.number().int().min(bound.minimum).max(bound.maximum!);

/** An SMTP reply text as a client sees it: one line of printable ASCII (no CR/LF can reach the wire). */
const ReplyText = z.string().min(B.text.minLength).max(B.text.maxLength).regex(new RegExp(B.text.pattern), 'must be one line of printable ASCII');

/** Whose mail a rule touches: one account's sessions (by account id), one recipient address, or (absent) everyone. */
const Scope = z.union([z.object({ account: z.string().min(1) }).strict(), z.object({ address: z.string().min(B.address.minLength).max(B.address.maxLength) }).strict()]);

const Chance = {
  /** Each time the rule could fire, it does with this probability. */
  probability: z.number().gt(B.probability.exclusiveMinimum!).max(B.probability.maximum!).default(B.probability.default!),
  /** Fires this many times, then the rule is gone ("the next N"); absent: until deleted. */
  times: int(B.times).optional(),
};

export const ChaosRuleInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('refuse'), stage: z.enum(CHAOS_STAGES), code: int(B.code), text: ReplyText, scope: Scope.optional(), ...Chance }).strict(),
  z.object({ kind: z.literal('delay'), stage: z.enum(CHAOS_STAGES), delayMs: int(B.delayMs), scope: Scope.optional(), ...Chance }).strict(),
  /** 421 at MAIL FROM past `messages` transactions in any `intervalMs` (a sliding window), in its scope. */
  z.object({ kind: z.literal('rate_limit'), messages: int(B.messages), intervalMs: int(B.intervalMs), scope: Scope.optional() }).strict(),
  /** 421 on connect while `connections` are open: the whole instance only (nothing is known of a session yet). */
  z.object({ kind: z.literal('connection_limit'), connections: int(B.connections) }).strict(),
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
