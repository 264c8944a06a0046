/**
 * Tiled super-resolution: the image is cut into tiles, each run with `overlap` pixels of real
 * context on every side (clamped at the image border), and only each tile's core is kept. The
 * network then sees the same neighbourhood as on the whole image, so there are no seams, and
 * memory depends on the tile size, not the image size.
 */

export interface TileOptions {
  /** Core tile edge, in input pixels. */
  tileSize: number;
  /** Context on each side, in input pixels. */
  overlap: number;
}

// 16 px of context already makes tiled and whole-image outputs agree to ~1e-6 for both tiers.
export const DEFAULT_TILE_OPTIONS: TileOptions = { tileSize: 192, overlap: 16 };

export interface Tile {
  /** The core region (kept), in input pixels: [x0, x1) x [y0, y1). */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** The window run through the model (core + context). */
  wx0: number;
  wy0: number;
  wx1: number;
  wy1: number;
}

export function planTiles(width: number, height: number, { tileSize, overlap }: TileOptions): Tile[] {
  if (!Number.isInteger(tileSize) || tileSize < 8)
    throw new RangeError(`tileSize must be an integer >= 8, got ${tileSize}`);
  if (!Number.isInteger(overlap) || overlap < 0)
    throw new RangeError(`overlap must be an integer >= 0, got ${overlap}`);
  const tiles: Tile[] = [];
  for (let y0 = 0; y0 < height; y0 += tileSize) {
    for (let x0 = 0; x0 < width; x0 += tileSize) {
      const x1 = Math.min(x0 + tileSize, width);
      const y1 = Math.min(y0 + tileSize, height);
      tiles.push({
        x0,
        y0,
        x1,
        y1,
        wx0: Math.max(0, x0 - overlap),
        wy0: Math.max(0, y0 - overlap),
        wx1: Math.min(width, x1 + overlap),
        wy1: Math.min(height, y1 + overlap),
      });
    }
  }
  return tiles;
}

/** A super-resolution model on NCHW float tiles in [0, 1] (batch 1). */
export interface SrModel {
  scale: number;
  run(chw: Float32Array, width: number, height: number): Promise<Float32Array>;
}

/** Input: 8-bit RGB, HWC. Output sink receives each tile's upscaled core (CHW floats, unclipped). */
export async function forEachUpscaledTile(
  model: SrModel,
  rgb: Uint8Array,
  width: number,
  height: number,
  options: TileOptions,
  sink: (tile: Tile, core: Float32Array, coreWidth: number, coreHeight: number) => void,
): Promise<void> {
  const s = model.scale;
  for (const tile of planTiles(width, height, options)) {
    const ww = tile.wx1 - tile.wx0;
    const wh = tile.wy1 - tile.wy0;
    const input = new Float32Array(3 * ww * wh);
    for (let y = 0; y < wh; y++) {
      for (let x = 0; x < ww; x++) {
        const p = ((tile.wy0 + y) * width + tile.wx0 + x) * 3;
        const q = y * ww + x;
        input[q] = rgb[p]! / 255;
        input[ww * wh + q] = rgb[p + 1]! / 255;
        input[2 * ww * wh + q] = rgb[p + 2]! / 255;
      }
    }
    const out = await model.run(input, ww, wh);
    const ow = ww * s;
    const oh = wh * s;
    if (out.length !== 3 * ow * oh)
      throw new Error(`model returned ${out.length} values for a ${ww}x${wh} tile at x${s}`);
    const cw = (tile.x1 - tile.x0) * s;
    const ch = (tile.y1 - tile.y0) * s;
    const ox = (tile.x0 - tile.wx0) * s;
    const oy = (tile.y0 - tile.wy0) * s;
    const core = new Float32Array(3 * cw * ch);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < ch; y++) {
        const src = c * ow * oh + (oy + y) * ow + ox;
        core.set(out.subarray(src, src + cw), c * cw * ch + y * cw);
      }
    }
    sink(tile, core, cw, ch);
  }
}

/** Upscaled image as CHW floats (for checks; production uses upscaleRgb8). */
export async function upscaleFloat(
  model: SrModel,
  rgb: Uint8Array,
  width: number,
  height: number,
  options: TileOptions,
): Promise<Float32Array> {
  const s = model.scale;
  const W = width * s;
  const H = height * s;
  const result = new Float32Array(3 * W * H);
  await forEachUpscaledTile(model, rgb, width, height, options, (tile, core, cw, ch) => {
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < ch; y++) {
        result.set(
          core.subarray(c * cw * ch + y * cw, c * cw * ch + (y + 1) * cw),
          c * W * H + (tile.y0 * s + y) * W + tile.x0 * s,
        );
      }
    }
  });
  return result;
}

/** Upscaled image as 8-bit RGB, HWC (clipped to [0, 1], rounded): the only full-size buffer kept. */
export async function upscaleRgb8(
  model: SrModel,
  rgb: Uint8Array,
  width: number,
  height: number,
  options: TileOptions,
): Promise<Uint8Array> {
  const s = model.scale;
  const W = width * s;
  const result = new Uint8Array(3 * W * height * s);
  await forEachUpscaledTile(model, rgb, width, height, options, (tile, core, cw, ch) => {
    const plane = cw * ch;
    for (let y = 0; y < ch; y++) {
      let p = ((tile.y0 * s + y) * W + tile.x0 * s) * 3;
      for (let x = 0; x < cw; x++) {
        const q = y * cw + x;
        result[p++] = toByte(core[q]!);
        result[p++] = toByte(core[plane + q]!);
        result[p++] = toByte(core[2 * plane + q]!);
      }
    }
  });
  return result;
}

function toByte(v: number): number {
  const b = Math.round(v * 255);
  return b < 0 ? 0 : b > 255 ? 255 : b;
}
