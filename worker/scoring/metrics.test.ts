import { describe, expect, it } from "vitest";
import { cosine, dot, itmProbability, meanCosine, norm, softmax } from "./metrics";

describe("metric arithmetic on hand-computed vectors", () => {
  it("cosine", () => {
    expect(cosine([1, 0], [0, 1])).toBe(0);
    expect(cosine([2, 0], [5, 0])).toBe(1);
    expect(cosine([1, 0], [-3, 0])).toBe(-1);
    // 32 / (sqrt(14) * sqrt(77))
    expect(cosine([1, 2, 3], [4, 5, 6])).toBeCloseTo(0.9746318461970762, 14);
    expect(cosine(new Float32Array([3, 4]), [4, 3])).toBeCloseTo(24 / 25, 7);
  });

  it("cosine of a zero vector is 0, and lengths must agree", () => {
    expect(cosine([0, 0], [1, 2])).toBe(0);
    expect(() => cosine([1, 2], [1, 2, 3])).toThrow(RangeError);
    expect(dot([1, 2], [3, 4])).toBe(11);
    expect(norm([3, 4])).toBe(5);
  });

  it("mean pairwise cosine against the references", () => {
    // cos(c, r1) = 1, cos(c, r2) = 0, cos(c, r3) = 1/sqrt(2)
    const c = [1, 0];
    expect(
      meanCosine(c, [
        [2, 0],
        [0, 7],
        [1, 1],
      ]),
    ).toBeCloseTo((1 + 0 + Math.SQRT1_2) / 3, 14);
    expect(() => meanCosine(c, [])).toThrow(RangeError);
  });

  it("softmax and the ITM match probability", () => {
    const p = softmax([0, Math.log(3)]);
    expect(p[0]).toBeCloseTo(0.25, 14);
    expect(p[1]).toBeCloseTo(0.75, 14);
    expect(softmax([1000, 1000])).toEqual([0.5, 0.5]);
    expect(itmProbability([2, 2])).toBe(0.5);
    expect(itmProbability([0, 2])).toBeCloseTo(1 / (1 + Math.exp(-2)), 14);
    expect(() => itmProbability([1, 2, 3])).toThrow(RangeError);
  });
});
