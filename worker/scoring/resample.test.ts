import { describe, expect, it } from "vitest";
import { resizeRgb } from "./resample";

// Bit-exactness against Pillow itself is checked in scorers.parity.test.ts (pixel tensors).
describe("Pillow-compatible resize", () => {
  it("averages two pixels into one as Pillow does (fixed-point rounding)", () => {
    // bilinear 2 -> 1: weights 0.5 / 0.5, (2^21 + 255 * 2^21) >> 22 = 128 (Pillow gives 128, not 127)
    const src = new Uint8Array([0, 0, 0, 255, 255, 255]);
    expect(Array.from(resizeRgb(src, 2, 1, 1, 1, "bilinear"))).toEqual([128, 128, 128]);
  });

  it("keeps a flat image flat in both directions, and clips bicubic overshoot to 0..255", () => {
    const flat = new Uint8Array(7 * 5 * 3).fill(77);
    expect(resizeRgb(flat, 7, 5, 19, 3, "bicubic").every((v) => v === 77)).toBe(true);
    const edge = new Uint8Array(8 * 1 * 3);
    edge.fill(255, 12); // left half black, right half white
    const up = resizeRgb(edge, 8, 1, 32, 1, "bicubic");
    expect(Math.min(...up)).toBe(0);
    expect(Math.max(...up)).toBe(255);
  });

  it("returns a copy when the size is unchanged, and refuses bad sizes", () => {
    const src = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const out = resizeRgb(src, 2, 1, 2, 1, "bicubic");
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(out).not.toBe(src);
    expect(() => resizeRgb(src, 2, 1, 0, 1, "bicubic")).toThrow(RangeError);
    expect(() => resizeRgb(src, 3, 1, 1, 1, "bicubic")).toThrow(RangeError);
  });
});
