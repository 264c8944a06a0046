// What the insights page receives (client-safe; computed in app/services/insights.server.ts).
import type { ScoreKey } from "./labels";

export interface ScoredRow {
  sceneKind: string;
  product: string;
  scores: Record<ScoreKey, number | null>;
  ratingSubject: number | null;
  ratingScene: number | null;
}

export interface Summary {
  n: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  mean: number;
}

export interface Distribution {
  group: string;
  score: ScoreKey;
  summary: Summary | null;
  /** Counts in HISTOGRAM_BINS equal bins over [0, 1]. */
  histogram: number[];
}

export interface Correlation {
  rating: "subject" | "scene";
  score: ScoreKey;
  n: number;
  /** null with fewer than MIN_PAIRS pairs, or when ratings or scores are all equal. */
  rho: number | null;
}

export interface Insights {
  candidates: number;
  rated: number;
  byKind: Distribution[];
  byProduct: Distribution[];
  correlations: Correlation[];
  kinds: string[];
  products: string[];
}

export const HISTOGRAM_BINS = 10;
export const MIN_PAIRS = 3;
