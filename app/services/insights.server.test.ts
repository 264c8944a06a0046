import { describe, expect, it } from "vitest";
import { computeInsights, histogram, spearman, summarize, type ScoredRow } from "./insights.server";

const row = (
  sceneKind: string,
  product: string,
  dino: number,
  clipT: number,
  ratingSubject: number | null = null,
  ratingScene: number | null = null,
): ScoredRow => ({
  sceneKind,
  product,
  scores: { dino, clipI: dino, clipT, itm: null, itc: clipT },
  ratingSubject,
  ratingScene,
});

describe("insights", () => {
  it("Spearman gives tied values their average rank (scipy.stats.spearmanr's value)", () => {
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.820782681668123, 12);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
  });

  it("Spearman is undefined for fewer than 3 pairs or a constant sample", () => {
    expect(spearman([1, 2], [0.1, 0.2])).toBeNull();
    expect(spearman([3, 3, 3, 3], [0.1, 0.2, 0.3, 0.4])).toBeNull();
    expect(() => spearman([1, 2, 3], [1, 2])).toThrow(RangeError);
  });

  it("summaries (quartiles interpolated as numpy.quantile does) and histograms over [0, 1]", () => {
    const s = summarize([0.4, 0.1, 0.3, 0.2])!;
    expect(s).toMatchObject({ n: 4, min: 0.1, max: 0.4 });
    expect([s.q1, s.median, s.q3, s.mean].map((v) => Number(v.toFixed(12)))).toEqual([0.175, 0.25, 0.325, 0.25]);
    expect(summarize([])).toBeNull();
    expect(histogram([0, 0.05, 0.95, 1, 0.5], 10)).toEqual([2, 0, 0, 0, 0, 1, 0, 0, 0, 2]);
  });

  it("groups by scene type and product, and correlates each rating with each score", () => {
    const rows = [
      row("general", "Vase", 0.8, 0.2, 5, 2),
      row("general", "Vase", 0.6, 0.25, 3, 3),
      row("specific", "Vase", 0.5, 0.3, 2, 4),
      row("specific", "Boot", 0.4, 0.35, 1, 5),
      row("specific", "Boot", 0.45, 0.3),
    ];
    const insights = computeInsights(rows);
    expect(insights.kinds).toEqual(["general", "specific"]);
    expect(insights.products).toEqual(["Boot", "Vase"]);
    expect(insights.candidates).toBe(5);
    expect(insights.rated).toBe(4);
    const generalDino = insights.byKind.find((d) => d.group === "general" && d.score === "dino")!;
    expect(generalDino.summary).toMatchObject({ n: 2, min: 0.6, max: 0.8 });
    const itm = insights.byKind.find((d) => d.group === "specific" && d.score === "itm")!;
    expect(itm.summary).toBeNull();
    const subjectDino = insights.correlations.find((c) => c.rating === "subject" && c.score === "dino")!;
    expect(subjectDino).toMatchObject({ rating: "subject", score: "dino", n: 4 });
    expect(subjectDino.rho).toBeCloseTo(1, 12);
    const sceneClipT = insights.correlations.find((c) => c.rating === "scene" && c.score === "clipT")!;
    expect(sceneClipT.n).toBe(4);
    expect(sceneClipT.rho).toBeCloseTo(1, 12);
    expect(insights.correlations.find((c) => c.score === "itm")!.rho).toBeNull();
  });
});
