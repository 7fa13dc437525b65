// Failures on demand for the SMTP side (README "Chaos"): rules set through the admin API, asked by smtp/ at
// connect, MAIL, RCPT and DATA.
export { ChaosModule } from './chaos.module';
export { ChaosRefusal, ChaosService, MAX_CHAOS_RULES, TooManyChaosRulesError } from './chaos.service';
export { CHAOS_STAGES, ChaosRuleInput, unreachableReason, type ChaosRule, type ChaosRuleSpec, type ChaosStage, type StageFacts } from './chaos-rule';
