// What SpamAssassin said of a captured message, and how that becomes Mailsac's `spam` (0..1). Plain data and
// one pure mapping, so the store, the views and the checks agree on it.

/** SpamAssassin's verdict on one transaction (all its recipient copies share it). */
export interface SpamVerdict {
  /** SpamAssassin's score: the sum of the rules that fired (may be negative). */
  score: number;
  /** The score at which spamd calls a message spam (`required_score`, 5.0 by default). */
  required: number;
  /** The names of the rules that fired, as spamd's SYMBOLS lists them. */
  rules: string[];
}

/**
 * Mailsac's `spam`, between 0 and 1: the score over twice the threshold, clamped, to 3 decimals. So a score of
 * 0 or below is 0, the threshold itself 0.5 (what spamd would call spam starts there), twice the threshold 1.
 */
export function spamProbability(verdict: SpamVerdict): number {
  if (verdict.required <= 0) return verdict.score >= verdict.required ? 1 : 0;
  const scaled = Math.min(1, Math.max(0, verdict.score / (2 * verdict.required)));
  return Math.round(scaled * 1000) / 1000;
}
