import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertLayersModel, UnsupportedLayerError } from "./convert";
import { ensureEsrganOnnx, SCALES, sourceModelJson, type Scale, type Tier } from "./models";
import { readLayersModel } from "./tfjs-layers";
import { loadTfjsModel, predictTfjs } from "./tfjs-reference";

// The converted ONNX graphs against UpscalerJS's own TF.js models (its custom layers registered by
// the package's setup(), @tensorflow/tfjs CPU backend) on small non-square tiles.
let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "esrgan-convert-"));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function testTile(width: number, height: number): Float32Array {
  // deterministic texture in [0, 1]: gradients, a hard edge and pseudo-random detail
  const x = new Float32Array(3 * width * height);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < height; y++)
      for (let i = 0; i < width; i++) {
        const hash = (((i + 1) * 73856093) ^ ((y + 1) * 19349663) ^ ((c + 1) * 83492791)) >>> 0;
        x[(c * height + y) * width + i] =
          0.5 * ((i + y * c) / (width + height)) + (i > width / 2 ? 0.3 : 0) + 0.2 * ((hash % 1000) / 1000);
      }
  return x;
}

const cases: [Tier, Scale, number, number][] = [
  ...SCALES.map((s) => ["thick", s, 10, 8] as [Tier, Scale, number, number]),
  ...SCALES.map((s) => ["medium", s, 16, 12] as [Tier, Scale, number, number]),
];

describe("ESRGAN TF.js layers -> ONNX", () => {
  for (const [tier, scale, width, height] of cases) {
    it(`${tier} x${scale} matches TF.js within 1e-3 (in [0, 1] units)`, async () => {
      const { path: onnxPath } = await ensureEsrganOnnx({ modelsDir: dir, tier, scale });
      const session = await ort.InferenceSession.create(onnxPath);
      const input = testTile(width, height);
      const out = await session.run({ input: new ort.Tensor("float32", input, [1, 3, height, width]) });
      expect(out.output!.dims).toEqual([1, 3, height * scale, width * scale]);
      const got = out.output!.data as Float32Array;
      const want = predictTfjs(await loadTfjsModel(tier, scale), input, width, height);
      let maxDiff = 0;
      for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
      expect(maxDiff).toBeLessThan(1e-3);
      // a real super-resolution output, not a constant: it follows the input's brightness
      expect(Math.max(...got) - Math.min(...got)).toBeGreaterThan(0.3);
      await session.release();
    });
  }

  it("is deterministic: converting twice gives the same bytes", async () => {
    const model = await readLayersModel(sourceModelJson("medium", 2));
    const a = convertLayersModel(model, { range: 255 });
    const b = convertLayersModel(model, { range: 255 });
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
  });

  it("refuses layer types it does not know instead of guessing", async () => {
    const model = await readLayersModel(sourceModelJson("medium", 2));
    const layers = model.layers.map((l) => (l.name === "UPsample" ? { ...l, class_name: "BatchNormalization" } : l));
    expect(() => convertLayersModel({ ...model, layers }, { range: 255 })).toThrow(UnsupportedLayerError);
    const bilinear = model.layers.map((l) =>
      l.name === "UPsample" ? { ...l, config: { ...l.config, interpolation: "bilinear" } } : l,
    );
    expect(() => convertLayersModel({ ...model, layers: bilinear }, { range: 255 })).toThrow(/bilinear/);
  });
});
