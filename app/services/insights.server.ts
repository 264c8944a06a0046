// Insights: the paper's analysis for one shop — score distributions by scene type and by product,
// and how the merchant's own ratings rank-correlate (Spearman) with each score (Table 4 / Fig. 8).
import { quantileSorted, sampleRankCorrelation } from "simple-statistics";
import {
  HISTOGRAM_BINS,
  MIN_PAIRS,
  type Correlation,
  type Distribution,
  type Insights,
  type ScoredRow,
  type Summary,
} from "../components/insights-types";
import { SCORES } from "../components/labels";

export { HISTOGRAM_BINS, MIN_PAIRS, type Correlation, type Distribution, type Insights, type ScoredRow, type Summary };
import type { ShopContext } from "./shop-context.server";

export function summarize(values: number[]): Summary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    min: sorted[0]!,
    q1: quantileSorted(sorted, 0.25),
    median: quantileSorted(sorted, 0.5),
    q3: quantileSorted(sorted, 0.75),
    max: sorted[sorted.length - 1]!,
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
  };
}

export function histogram(values: number[], bins = HISTOGRAM_BINS): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))]! += 1;
  return counts;
}

/** Spearman's rho with tied values given their average rank. */
export function spearman(x: number[], y: number[]): number | null {
  if (x.length !== y.length) throw new RangeError("spearman: samples differ in length");
  if (x.length < MIN_PAIRS || new Set(x).size < 2 || new Set(y).size < 2) return null;
  const rho = sampleRankCorrelation(x, y);
  return Number.isFinite(rho) ? rho : null;
}

function distributions(rows: ScoredRow[], groupOf: (r: ScoredRow) => string, groups: string[]): Distribution[] {
  return groups.flatMap((group) =>
    SCORES.map(({ key }) => {
      const values = rows
        .filter((r) => groupOf(r) === group)
        .flatMap((r) => (r.scores[key] === null ? [] : [r.scores[key]!]));
      return { group, score: key, summary: summarize(values), histogram: histogram(values) };
    }),
  );
}

export function computeInsights(rows: ScoredRow[]): Insights {
  const kindOrder = ["general", "specific", "custom"];
  const kinds = kindOrder.filter((k) => rows.some((r) => r.sceneKind === k));
  const products = [...new Set(rows.map((r) => r.product))].sort((a, b) => a.localeCompare(b));
  const correlations: Correlation[] = [];
  for (const rating of ["subject", "scene"] as const) {
    for (const { key } of SCORES) {
      const pairs = rows.flatMap((r) => {
        const value = rating === "subject" ? r.ratingSubject : r.ratingScene;
        return value === null || r.scores[key] === null ? [] : [[value, r.scores[key]!] as const];
      });
      correlations.push({
        rating,
        score: key,
        n: pairs.length,
        rho: spearman(
          pairs.map((p) => p[0]),
          pairs.map((p) => p[1]),
        ),
      });
    }
  }
  return {
    candidates: rows.length,
    rated: rows.filter((r) => r.ratingSubject !== null || r.ratingScene !== null).length,
    byKind: distributions(rows, (r) => r.sceneKind, kinds),
    byProduct: distributions(rows, (r) => r.product, products),
    correlations,
    kinds,
    products,
  };
}

/** The shop's scored candidates (all requests) as insights. */
export async function loadInsights(ctx: ShopContext): Promise<Insights> {
  const rows = await ctx.db.candidate.findMany({
    where: { OR: [{ dino: { not: null } }, { clipT: { not: null } }] },
    select: {
      sceneKind: true,
      dino: true,
      clipI: true,
      clipT: true,
      itm: true,
      itc: true,
      ratingSubject: true,
      ratingScene: true,
      subject: { select: { productTitle: true } },
    },
  });
  return computeInsights(
    rows.map((r) => ({
      sceneKind: r.sceneKind,
      product: r.subject.productTitle,
      scores: { dino: r.dino, clipI: r.clipI, clipT: r.clipT, itm: r.itm, itc: r.itc },
      ratingSubject: r.ratingSubject,
      ratingScene: r.ratingScene,
    })),
  );
}
