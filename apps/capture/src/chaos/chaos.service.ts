// The chaos rules of this process and what they do to each SMTP stage: smtp/ asks `at(stage, ...)` before it goes
// on, and gets back, after any injected delay, the refusal to answer with or null. Rules live in memory, per
// process (each replica has its own; a restart clears them but the standing rules of CAPTUREBOX_CHAOS, which every
// start begins with: what a CaptureEnvironment's spec.chaos sets on all its pods). Every injected failure or delay is counted in
// capturebox_chaos_injected_total and logged. Nothing here runs after a message is stored, so chaos can refuse
// or slow a message but never lose one that got a 250.
import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_CHAOS_RULES } from '@capturebox/limits';
import { CONFIG, type CaptureboxConfig } from '../config';
import { ROOT_LOGGER, type Logger } from '../logging';
import { CaptureMetrics } from '../metrics';
import { ChaosRuleInput, ruleApplies, unreachableReason, type ChaosRule, type ChaosRuleSpec, type ChaosStage, type StageFacts } from './chaos-rule';

export { MAX_CHAOS_RULES };

/** Adding past MAX_CHAOS_RULES: answered 409, nothing changes. */
export class TooManyChaosRulesError extends Error {
  override readonly name = 'TooManyChaosRulesError';
  readonly failure = 'conflict';

  constructor() {
    super(`This process already has ${MAX_CHAOS_RULES} chaos rules; delete some first.`);
  }
}

/** An injected refusal, shaped as smtp-server reads an error: `responseCode`, and the text as the message. */
export class ChaosRefusal extends Error {
  override readonly name = 'ChaosRefusal';

  constructor(
    readonly responseCode: number,
    text: string,
  ) {
    super(text);
  }
}

@Injectable()
export class ChaosService {
  private rules: ChaosRule[] = [];
  /** Per rate-limit rule, when the transactions in its window began (oldest first). */
  private readonly windows = new Map<string, number[]>();
  /** Sessions open now that chaos let through connect (what a connection limit counts). */
  private readonly openSessions = new Set<string>();

  constructor(
    private readonly metrics: CaptureMetrics,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) config: CaptureboxConfig,
  ) {
    config.chaos.standingRules.forEach((input, index) => this.add(standingRule(input, index)));
  }

  add(spec: ChaosRuleSpec): ChaosRule {
    if (this.rules.length >= MAX_CHAOS_RULES) throw new TooManyChaosRulesError();
    const rule = { ...spec, id: `chaos_${randomBytes(6).toString('hex')}`, created: new Date() } as ChaosRule;
    this.rules.push(rule);
    this.logger.info({ rule }, 'chaos rule added');
    return rule;
  }

  list(): ChaosRule[] {
    return [...this.rules];
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    this.windows.delete(id);
    return this.rules.length < before;
  }

  /** Turns chaos off: every rule goes. Returns how many did. */
  clear(): number {
    const removed = this.rules.length;
    this.rules = [];
    this.windows.clear();
    if (removed > 0) this.logger.info({ removed }, 'chaos rules cleared');
    return removed;
  }

  /**
   * Waits out any injected delay, then answers the refusal for this stage, or null to go on. `facts` is asked
   * only when there are rules to match it against: with chaos off, SMTP pays nothing for it.
   */
  async at(stage: ChaosStage, sessionId: string, factsOf: () => StageFacts): Promise<ChaosRefusal | null> {
    let delayMs = 0;
    let refusal: ChaosRefusal | null = null;
    const facts = this.rules.length > 0 ? factsOf() : null;
    for (const rule of this.rules) {
      if (!ruleApplies(rule, stage, facts!)) continue;
      const outcome = this.fire(rule);
      if (outcome === null) continue;
      this.metrics.chaosInjectedTotal.inc({ stage, kind: rule.kind });
      this.logger.info({ session: sessionId, stage, rule: rule.id, kind: rule.kind, ...(typeof outcome === 'number' ? { delayMs: outcome } : { code: outcome.responseCode }) }, 'chaos injected');
      if (typeof outcome === 'number') delayMs += outcome;
      else {
        refusal = outcome;
        break;
      }
    }
    if (stage === 'connect' && refusal === null) this.openSessions.add(sessionId);
    if (delayMs > 0) await sleep(delayMs);
    return refusal;
  }

  /** The session is gone: it no longer counts toward a connection limit. */
  closed(sessionId: string): void {
    this.openSessions.delete(sessionId);
  }

  /** What the rule does now: a delay, a refusal, or nothing (null). Counts its firing. */
  private fire(rule: ChaosRule): number | ChaosRefusal | null {
    switch (rule.kind) {
      case 'connection_limit':
        return this.openSessions.size >= rule.connections ? new ChaosRefusal(421, `4.7.0 Capturebox chaos: connection limit of ${rule.connections} reached`) : null;
      case 'rate_limit': {
        const now = Date.now();
        const window = (this.windows.get(rule.id) ?? []).filter((started) => started > now - rule.intervalMs);
        this.windows.set(rule.id, window);
        if (window.length >= rule.messages) return new ChaosRefusal(421, `4.7.0 Capturebox chaos: rate limit of ${rule.messages} messages per ${rule.intervalMs} ms exceeded`);
        window.push(now);
        return null;
      }
      case 'refuse':
      case 'delay': {
        if (rule.probability < 1 && Math.random() >= rule.probability) return null;
        if (rule.times !== undefined) {
          rule.times -= 1;
          if (rule.times === 0) this.remove(rule.id);
        }
        return rule.kind === 'delay' ? rule.delayMs : new ChaosRefusal(rule.code, rule.text);
      }
    }
  }
}

/** One rule of CAPTUREBOX_CHAOS, checked as the admin API checks a body; a wrong one stops the start, named. */
function standingRule(input: unknown, index: number): ChaosRuleSpec {
  const parsed = ChaosRuleInput.safeParse(input);
  const problem = parsed.success ? unreachableReason(parsed.data) : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'rule'}: ${issue.message}`).join('; ');
  if (problem) throw new Error(`CAPTUREBOX_CHAOS rule ${index}: ${problem}`);
  return parsed.data!;
}
