/** PSNR and SSIM for the upscaling quality figures (8-bit RGB, HWC). */

export function psnr(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError("images differ in size");
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255 * a.length) / se);
}

function luma(rgb: Uint8Array): Float64Array {
  const y = new Float64Array(rgb.length / 3);
  for (let i = 0; i < y.length; i++) y[i] = 0.299 * rgb[i * 3]! + 0.587 * rgb[i * 3 + 1]! + 0.114 * rgb[i * 3 + 2]!;
  return y;
}

function gaussianBlur(src: Float64Array, width: number, height: number, kernel: Float64Array): Float64Array {
  const r = (kernel.length - 1) / 2;
  const tmp = new Float64Array(src.length);
  const out = new Float64Array(src.length);
  for (let y = 0; y < height; y++)
    for (let x = r; x < width - r; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += src[y * width + x + k]! * kernel[k + r]!;
      tmp[y * width + x] = s;
    }
  for (let y = r; y < height - r; y++)
    for (let x = r; x < width - r; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += tmp[(y + k) * width + x]! * kernel[k + r]!;
      out[y * width + x] = s;
    }
  return out;
}

/**
 * Mean SSIM (Wang et al. 2004) on BT.601 luma: 11x11 Gaussian window, sigma 1.5, K1 0.01,
 * K2 0.03, L 255, over the pixels where the window fits ("valid").
 */
export function ssim(a: Uint8Array, b: Uint8Array, width: number, height: number): number {
  if (a.length !== b.length || a.length !== width * height * 3) throw new RangeError("images differ in size");
  const kernel = new Float64Array(11).map((_, i) => Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5)));
  const sum = kernel.reduce((s, v) => s + v, 0);
  kernel.forEach((v, i) => (kernel[i] = v / sum));
  const x = luma(a);
  const y = luma(b);
  const mul = (p: Float64Array, q: Float64Array) => p.map((v, i) => v * q[i]!);
  const mx = gaussianBlur(x, width, height, kernel);
  const my = gaussianBlur(y, width, height, kernel);
  const sxx = gaussianBlur(mul(x, x), width, height, kernel);
  const syy = gaussianBlur(mul(y, y), width, height, kernel);
  const sxy = gaussianBlur(mul(x, y), width, height, kernel);
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let total = 0;
  let count = 0;
  for (let yy = 5; yy < height - 5; yy++)
    for (let xx = 5; xx < width - 5; xx++) {
      const i = yy * width + xx;
      const ux = mx[i]!;
      const uy = my[i]!;
      const vx = sxx[i]! - ux * ux;
      const vy = syy[i]! - uy * uy;
      const cxy = sxy[i]! - ux * uy;
      total += ((2 * ux * uy + c1) * (2 * cxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
      count++;
    }
  return total / count;
}
