// The studio's plain verdicts on a generated image: "Looks like your product" (DINO, CLIP-I) and "Fits
// the scene" (ITM, CLIP-T, ITC), each good / fair / poor with a reason. The thresholds start from the
// paper's reference values (docs/recipe.md) and move to the shop's own ratings once there are enough.
// One place for the thresholds and the words; pure (no database), so the studio service and the
// tests share it.
import { quantile } from "simple-statistics";
import { DEFAULT_SELECTION_RULE, type Metric } from "./selection-rule";

export type VerdictLevel = "good" | "fair" | "poor";
export type Aspect = "subject" | "scene";
export type Scores = Record<Metric, number | null>;

export const ASPECTS: Record<
  Aspect,
  {
    title: string;
    metrics: readonly Metric[];
    rating: "ratingSubject" | "ratingScene";
    reasons: Record<VerdictLevel | "unscored", string>;
  }
> = {
  subject: {
    title: "Looks like your product",
    metrics: ["dino", "clipI"],
    rating: "ratingSubject",
    reasons: {
      good: "close to your photos",
      fair: "some details differ from your photos",
      poor: "does not look like your photos",
      unscored: "not scored yet",
    },
  },
  scene: {
    title: "Fits the scene",
    metrics: ["itm", "clipT", "itc"],
    rating: "ratingScene",
    reasons: {
      good: "the scene is clearly there",
      fair: "the scene is only partly there",
      poor: "the scene is barely visible",
      unscored: "not scored yet",
    },
  },
};

export const LEVEL_WORDS: Record<VerdictLevel, string> = { good: "Good", fair: "Fair", poor: "Poor" };

/** Per metric: a score at or above `good` is good, one below `poor` is poor, fair between. */
export interface Threshold {
  good: number;
  poor: number;
}
export type Thresholds = Record<Metric, Threshold>;

/**
 * The paper's reference values (docs/recipe.md, "Reference numbers"). Good: at least the mean that
 * DreamBooth reached in the paper (DINO 0.710, CLIP-I 0.860; BLIP2Booth 0.778 / 0.883, and real photos
 * of the same product score 0.774 / 0.885 against each other) and, for the scene, BLIP2Booth's means
 * (CLIP-T 0.242, ITC 0.415) and the paper's ITM > 0.9 rule. Poor: under the selection rule's fidelity
 * floors (what a different object of the same class scores), under an even ITM (BLIP finds "no
 * match" likelier than "match"), and about 15 % under the paper's CLIP-T / ITC means.
 */
export const PAPER_THRESHOLDS: Readonly<Thresholds> = Object.freeze({
  dino: { good: 0.71, poor: DEFAULT_SELECTION_RULE.floors.dino! },
  clipI: { good: 0.86, poor: DEFAULT_SELECTION_RULE.floors.clipI! },
  itm: { good: DEFAULT_SELECTION_RULE.threshold, poor: 0.5 },
  clipT: { good: 0.24, poor: 0.2 },
  itc: { good: 0.415, poor: 0.35 },
});

/** The shop's selection settings move the matching thresholds: its ITM threshold, its fidelity floors. */
export function shopThresholds(settings: {
  itmThreshold: number;
  fidelityFloorDino: number | null;
  fidelityFloorClipI: number | null;
}): Thresholds {
  const t = structuredClone(PAPER_THRESHOLDS) as Thresholds;
  t.itm.good = settings.itmThreshold;
  t.itm.poor = Math.min(t.itm.poor, settings.itmThreshold);
  if (settings.fidelityFloorDino !== null) t.dino.poor = Math.min(settings.fidelityFloorDino, t.dino.good);
  if (settings.fidelityFloorClipI !== null) t.clipI.poor = Math.min(settings.fidelityFloorClipI, t.clipI.good);
  return t;
}

/**
 * When the shop's ratings take over. An aspect needs `minRatings` rated images, at least `minEachSide`
 * rated good (4–5) and as many rated poor (1–2). Then each of its metrics moves: good to the lower
 * quartile of the good-rated images' scores (three in four of them clear it), poor to the upper
 * quartile of the poor-rated ones (three in four fall under it). A metric whose quartiles overlap
 * does not separate the shop's ratings and keeps its reference thresholds.
 */
export const RATING_CALIBRATION = Object.freeze({
  minRatings: 10,
  minEachSide: 3,
  goodRating: 4,
  poorRating: 2,
  goodQuantile: 0.25,
  poorQuantile: 0.75,
});

export interface RatedImage {
  scores: Scores;
  ratingSubject: number | null;
  ratingScene: number | null;
}

export interface Calibration {
  thresholds: Thresholds;
  /** Per aspect: how many images the shop rated, and whether its ratings set the thresholds. */
  aspects: Record<Aspect, { rated: number; fromRatings: boolean; metrics: Metric[] }>;
}

export function calibrate(base: Thresholds, rated: readonly RatedImage[]): Calibration {
  const thresholds = structuredClone(base);
  const c = RATING_CALIBRATION;
  const aspects = {} as Calibration["aspects"];
  for (const aspect of ["subject", "scene"] as const) {
    const { rating, metrics } = ASPECTS[aspect];
    const withRating = rated.filter((r) => r[rating] !== null);
    const good = withRating.filter((r) => r[rating]! >= c.goodRating);
    const poor = withRating.filter((r) => r[rating]! <= c.poorRating);
    const moved: Metric[] = [];
    if (withRating.length >= c.minRatings && good.length >= c.minEachSide && poor.length >= c.minEachSide) {
      for (const metric of metrics) {
        const values = (rows: RatedImage[]) =>
          rows.flatMap((r) => (r.scores[metric] === null ? [] : [r.scores[metric]!]));
        const [g, p] = [values(good), values(poor)];
        if (g.length < c.minEachSide || p.length < c.minEachSide) continue;
        const goodAt = quantile(g, c.goodQuantile);
        const poorUnder = quantile(p, c.poorQuantile);
        if (poorUnder >= goodAt) continue;
        thresholds[metric] = { good: goodAt, poor: poorUnder };
        moved.push(metric);
      }
    }
    aspects[aspect] = { rated: withRating.length, fromRatings: moved.length > 0, metrics: moved };
  }
  return { thresholds, aspects };
}

export function metricLevel(value: number | null, t: Threshold): VerdictLevel | null {
  if (value === null || !Number.isFinite(value)) return null;
  return value >= t.good ? "good" : value < t.poor ? "poor" : "fair";
}

const RANK: Record<VerdictLevel, number> = { good: 2, fair: 1, poor: 0 };

export interface Verdict {
  aspect: Aspect;
  title: string;
  /** null: not scored yet. */
  level: VerdictLevel | null;
  word: string;
  reason: string;
  /** Each metric's own level, for the raw scores' disclosure. */
  metrics: Array<{ metric: Metric; level: VerdictLevel | null; word: string }>;
}

/** An aspect's verdict is its weakest metric's: "good" only when every one of its scores is good. */
export function verdict(aspect: Aspect, scores: Scores, thresholds: Thresholds): Verdict {
  const { title, metrics, reasons } = ASPECTS[aspect];
  const each = metrics.map((metric) => {
    const level = metricLevel(scores[metric], thresholds[metric]);
    return { metric, level, word: level ? LEVEL_WORDS[level] : "Not scored" };
  });
  const levels = each.flatMap((m) => (m.level ? [m.level] : []));
  const level = levels.length === 0 ? null : levels.reduce((a, b) => (RANK[b] < RANK[a] ? b : a));
  return {
    aspect,
    title,
    level,
    word: level ? LEVEL_WORDS[level] : "Not scored",
    reason: reasons[level ?? "unscored"],
    metrics: each,
  };
}

/** Both verdicts together: good when both are good, poor when either is poor, else fair. */
export function overallLevel(verdicts: readonly Verdict[]): VerdictLevel | null {
  if (verdicts.some((v) => v.level === null)) return null;
  if (verdicts.some((v) => v.level === "poor")) return "poor";
  return verdicts.every((v) => v.level === "good") ? "good" : "fair";
}

/**
 * Best match first: the images the selection rule picked, then by both verdicts, then by ITM (the
 * paper's selection score). Returns a comparator for Array.sort.
 */
export function bestMatchFirst<T extends { selected: boolean; verdicts: readonly Verdict[]; scores: Scores }>(
  a: T,
  b: T,
): number {
  const strength = (x: T) => x.verdicts.reduce((sum, v) => sum + (v.level ? RANK[v.level] : -1), 0);
  return (
    Number(b.selected) - Number(a.selected) || strength(b) - strength(a) || (b.scores.itm ?? -1) - (a.scores.itm ?? -1)
  );
}
