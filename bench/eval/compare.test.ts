import { describe, expect, it } from "vitest";
import { buildComparison, pairedDifference, pairImages, PairingError, studentTCdf, studentTQuantile } from "./compare";
import type { ScoredImage } from "./stats";
import { renderComparison } from "./tables";

function image(subject: string, sceneId: string, seed: number, dino: number, itm: number): ScoredImage {
  return {
    subject,
    classNoun: subject,
    sceneId,
    sceneKind: sceneId.startsWith("g") ? "general" : "specific",
    prompt: `a ${subject}`,
    seed,
    textEncoderSteps: 10,
    image: "x.png",
    scores: { dino, clipI: 0.5, clipT: 0.2, itm, itc: 0.3 },
  };
}

describe("Student t", () => {
  it("gives the tabulated two-sided 95 % quantiles", () => {
    // t_{0.975, df} from any table: 12.706, 4.303, 2.776, 2.262, 2.045; and the normal 1.960 in the limit.
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.3027, 3);
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.7764, 3);
    expect(studentTQuantile(0.975, 9)).toBeCloseTo(2.2622, 3);
    expect(studentTQuantile(0.975, 29)).toBeCloseTo(2.0452, 3);
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.96, 2);
    expect(studentTCdf(0, 7)).toBeCloseTo(0.5, 12);
    expect(studentTCdf(2, 5)).toBeCloseTo(0.94903, 4);
  });
});

describe("pairedDifference", () => {
  it("computes the mean difference and its t interval on known numbers", () => {
    // d = B − A = [0.5, 0.1, 0.9, 0.2]: mean 0.425, sample sd sqrt(0.3875 / 3) = 0.359398,
    // se = 0.179699, t_{0.975,3} = 3.182446 → half-width 0.571882.
    const d = pairedDifference([1, 2, 3, 4], [1.5, 2.1, 3.9, 4.2]);
    expect(d.n).toBe(4);
    expect(d.meanA).toBeCloseTo(2.5, 12);
    expect(d.meanB).toBeCloseTo(2.925, 12);
    expect(d.diff).toBeCloseTo(0.425, 12);
    expect(d.low).toBeCloseTo(0.425 - 0.571882, 5);
    expect(d.high).toBeCloseTo(0.425 + 0.571882, 5);
    // t = 0.425 / 0.179699 = 2.365, df 3: two-sided p = 0.0989
    expect(d.p).toBeCloseTo(0.0989, 3);
  });

  it("pairs, so a constant shift has no width however spread the values are", () => {
    const d = pairedDifference([0.25, 1, 0.5], [0.5, 1.25, 0.75]);
    expect(d.diff).toBe(0.25);
    expect(d.high! - d.low!).toBeCloseTo(0, 12);
    expect(d.p).toBeNull();
  });

  it("has no interval for one pair and refuses unequal lengths", () => {
    expect(pairedDifference([1], [2])).toMatchObject({ diff: 1, low: null, high: null, p: null });
    expect(() => pairedDifference([1, 2], [1])).toThrow(PairingError);
  });
});

describe("comparison of two variants", () => {
  const A = [image("vase", "g0", 0, 0.2, 0.95), image("vase", "s10", 0, 0.4, 0.5), image("teapot", "g0", 0, 0.6, 0.1)];
  const B = [image("teapot", "g0", 0, 0.7, 0.95), image("vase", "s10", 0, 0.5, 0.99), image("vase", "g0", 0, 0.3, 0.2)];

  it("pairs images by subject, prompt and seed, whatever their order", () => {
    const pairs = pairImages(A, B);
    expect(pairs.map((p) => [p.a.scores.dino, p.b.scores.dino])).toEqual([
      [0.2, 0.3],
      [0.4, 0.5],
      [0.6, 0.7],
    ]);
    expect(() => pairImages(A, B.slice(1))).toThrow(PairingError);
    expect(() => pairImages(A, [...B.slice(1), image("teapot", "g0", 1, 0.7, 0.95)])).toThrow(/no partner/);
  });

  it("reports the ITM > 0.9 share per variant and its paired difference, in the paper's layout", () => {
    const c = buildComparison("full", "lora", A, B);
    expect(c.pairs).toBe(3);
    expect(c.all.shown.meanA).toBeCloseTo(1 / 3, 12);
    expect(c.all.shown.meanB).toBeCloseTo(2 / 3, 12);
    expect(c.all.dino.diff).toBeCloseTo(0.1, 12);
    expect(c.byKind.map((k) => [k.kind, k.n])).toEqual([
      ["general", 2],
      ["specific", 1],
    ]);
    const md = renderComparison(c);
    expect(md).toContain("| variant | DINO | CLIP-I | CLIP-T | ITM | ITC | ITM > 0.9 |");
    expect(md).toContain("| full | 0.400 |");
    expect(md).toContain("| lora | 0.500 |");
    expect(md).toContain("33.3 %");
    expect(md).toContain("+33.3 pp");
  });
});
