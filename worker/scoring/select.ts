import { DEFAULT_SELECTION_RULE, SCORE_METRICS, type Metric, type SelectionRule } from "../../lib/selection-rule";
import type { Scores } from "./scorers";

export { DEFAULT_SELECTION_RULE, type Metric, type SelectionRule };

/** A scored candidate with its rank (1 = best), whether it is selected, and why not (empty when selected). */
export type Ranked<T extends { scores: Scores }> = T & { rank: number; selected: boolean; reasons: string[] };

export class SelectionRuleError extends Error {
  override name = "SelectionRuleError";
}

export function validateRule(rule: SelectionRule): SelectionRule {
  if (!SCORE_METRICS.includes(rule.metric))
    throw new SelectionRuleError(`unknown metric "${String(rule.metric)}"; use one of ${SCORE_METRICS.join(", ")}`);
  if (!Number.isFinite(rule.threshold)) throw new SelectionRuleError("threshold must be a finite number");
  if (rule.metric === "itm" && (rule.threshold < 0 || rule.threshold > 1))
    throw new SelectionRuleError("an ITM threshold is a probability in [0, 1]");
  for (const [key, floor] of Object.entries(rule.floors ?? {})) {
    if (key !== "dino" && key !== "clipI") throw new SelectionRuleError(`floors apply to dino and clipI, not "${key}"`);
    if (!Number.isFinite(floor) || floor < -1 || floor > 1)
      throw new SelectionRuleError(`${key} floor must be a cosine in [-1, 1]`);
  }
  if (rule.maxSelected !== undefined && (!Number.isInteger(rule.maxSelected) || rule.maxSelected < 0)) {
    throw new SelectionRuleError("maxSelected must be a whole number >= 0");
  }
  return rule;
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : String(v));

/**
 * Ranks scored candidates by the rule's metric (ties: DINO, then CLIP-I, all descending; non-finite
 * scores last) and marks the selected ones. Pure: returns new objects (the input's fields kept).
 */
export function selectCandidates<T extends { scores: Scores }>(
  scored: readonly T[],
  rule: SelectionRule = DEFAULT_SELECTION_RULE,
): Ranked<T>[] {
  validateRule(rule);
  const key = (v: number) => (Number.isFinite(v) ? v : -Infinity);
  const ranked = [...scored].sort(
    (a, b) =>
      key(b.scores[rule.metric]) - key(a.scores[rule.metric]) ||
      key(b.scores.dino) - key(a.scores.dino) ||
      key(b.scores.clipI) - key(a.scores.clipI),
  );
  let selectedCount = 0;
  return ranked.map((candidate, i) => {
    const { scores } = candidate;
    const reasons: string[] = [];
    for (const metric of SCORE_METRICS) {
      if (!Number.isFinite(scores[metric])) reasons.push(`${metric} is not a number`);
    }
    const value = scores[rule.metric];
    if (Number.isFinite(value) && !(value > rule.threshold))
      reasons.push(`${rule.metric} ${fmt(value)} <= ${rule.threshold}`);
    for (const [metric, floor] of Object.entries(rule.floors ?? {}) as ["dino" | "clipI", number][]) {
      if (Number.isFinite(scores[metric]) && scores[metric] < floor)
        reasons.push(`${metric} ${fmt(scores[metric])} < floor ${floor}`);
    }
    if (reasons.length === 0 && rule.maxSelected !== undefined && selectedCount >= rule.maxSelected) {
      reasons.push(`already ${rule.maxSelected} selected`);
    }
    const selected = reasons.length === 0;
    if (selected) selectedCount++;
    return { ...candidate, rank: i + 1, selected, reasons };
  });
}
