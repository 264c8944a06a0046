import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureEsrganOnnx, type Tier } from "./models";
import { planTiles, upscaleFloat, upscaleRgb8, type SrModel, type TileOptions } from "./tiling";

let dir: string;
const sessions: ort.InferenceSession[] = [];
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "esrgan-tiles-"));
});
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.release()));
  await fs.rm(dir, { recursive: true, force: true });
});

async function esrgan(tier: Tier): Promise<SrModel> {
  const { path: file } = await ensureEsrganOnnx({ modelsDir: dir, tier, scale: 4 });
  const session = await ort.InferenceSession.create(file);
  sessions.push(session);
  return {
    scale: 4,
    run: async (chw, w, h) =>
      (await session.run({ input: new ort.Tensor("float32", chw, [1, 3, h, w]) })).output!.data as Float32Array,
  };
}

function texture(size: number): Uint8Array {
  const rgb = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const p = (y * size + x) * 3;
      rgb[p] = (x * 3 + ((x >> 3) & 1) * 80) & 255;
      rgb[p + 1] = (y * 5 + ((y >> 4) & 1) * 100) & 255;
      rgb[p + 2] = ((x * y) >> 6) & 255;
    }
  return rgb;
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe("tile plan", () => {
  it("cores cover every pixel exactly once; windows add clamped context", () => {
    const width = 300;
    const height = 170;
    const cover = new Uint8Array(width * height);
    const tiles = planTiles(width, height, { tileSize: 64, overlap: 16 });
    for (const t of tiles) {
      for (let y = t.y0; y < t.y1; y++) for (let x = t.x0; x < t.x1; x++) cover[y * width + x]!++;
      expect(t.wx0).toBe(Math.max(0, t.x0 - 16));
      expect(t.wy1).toBe(Math.min(height, t.y1 + 16));
    }
    expect(cover.every((c) => c === 1)).toBe(true);
    expect(tiles).toHaveLength(5 * 3);
    expect(() => planTiles(10, 10, { tileSize: 4, overlap: 0 })).toThrow(RangeError);
  });

  it("memory is bounded by the tile: no model call sees more than (tile + 2 x overlap)^2 pixels", async () => {
    // A fake model (nearest-neighbour x2) that records the window sizes it is given.
    let largest = 0;
    const fake: SrModel = {
      scale: 2,
      async run(chw, w, h) {
        largest = Math.max(largest, w * h);
        const out = new Float32Array(3 * w * h * 4);
        for (let c = 0; c < 3; c++)
          for (let y = 0; y < 2 * h; y++)
            for (let x = 0; x < 2 * w; x++) out[(c * 2 * h + y) * 2 * w + x] = chw[(c * h + (y >> 1)) * w + (x >> 1)]!;
        return out;
      },
    };
    const options: TileOptions = { tileSize: 64, overlap: 8 };
    const rgb = texture(640);
    const out = await upscaleRgb8(fake, rgb, 640, 640, options);
    expect(largest).toBeLessThanOrEqual((64 + 16) ** 2);
    expect(out[((200 * 1280 + 300) * 3) | 0]).toBe(rgb[(100 * 640 + 150) * 3]);
  });
});

describe("seam-free tiled ESRGAN", () => {
  it("medium x4 on a 256 px image: tiled equals whole within 1e-3, and context is what removes the seams", async () => {
    const model = await esrgan("medium");
    const rgb = texture(256);
    const whole = await upscaleFloat(model, rgb, 256, 256, { tileSize: 256, overlap: 0 });
    const tiled = await upscaleFloat(model, rgb, 256, 256, { tileSize: 96, overlap: 16 });
    expect(maxDiff(whole, tiled)).toBeLessThan(1e-3);
    const seamy = await upscaleFloat(model, rgb, 256, 256, { tileSize: 96, overlap: 0 });
    expect(maxDiff(whole, seamy)).toBeGreaterThan(1e-2);
  });

  it("thick x4 on a 96 px image in 3 x 3 tiles: tiled equals whole within 1e-3", async () => {
    const model = await esrgan("thick");
    const rgb = texture(96);
    const whole = await upscaleFloat(model, rgb, 96, 96, { tileSize: 96, overlap: 0 });
    const tiled = await upscaleFloat(model, rgb, 96, 96, { tileSize: 32, overlap: 16 });
    expect(maxDiff(whole, tiled)).toBeLessThan(1e-3);
  });
});
