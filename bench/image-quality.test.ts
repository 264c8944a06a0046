import { describe, expect, it } from "vitest";
import { psnr, ssim } from "./image-quality";

const image = (w: number, h: number, f: (x: number, y: number) => number) => {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.fill(f(x, y), (y * w + x) * 3, (y * w + x) * 3 + 3);
  return out;
};

describe("PSNR and SSIM", () => {
  it("PSNR of a uniform error of 5 levels is 20 log10(255 / 5)", () => {
    const a = image(16, 16, () => 100);
    const b = image(16, 16, () => 105);
    expect(psnr(a, b)).toBeCloseTo(20 * Math.log10(255 / 5), 10);
    expect(psnr(a, a)).toBe(Infinity);
  });

  it("SSIM is 1 for identical images and drops for noise and for a contrast change", () => {
    const a = image(48, 40, (x, y) => (x * 5 + y * 3) % 256);
    expect(ssim(a, a, 48, 40)).toBeCloseTo(1, 12);
    const noisy = a.map((v, i) => Math.min(255, Math.max(0, v + ((i * 7919) % 41) - 20)));
    const lowContrast = a.map((v) => 128 + (v - 128) / 4);
    expect(ssim(a, noisy, 48, 40)).toBeLessThan(0.9);
    expect(ssim(a, lowContrast, 48, 40)).toBeLessThan(0.9);
    expect(ssim(a, noisy, 48, 40)).toBeGreaterThan(0);
  });

  it("a constant offset keeps the structure term: SSIM stays close to 1", () => {
    const a = image(48, 40, (x, y) => (x * 5 + y * 3) % 200);
    const b = a.map((v) => v + 10);
    expect(ssim(a, b, 48, 40)).toBeGreaterThan(0.95);
  });
});
