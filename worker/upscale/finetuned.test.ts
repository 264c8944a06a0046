import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import ort from "onnxruntime-node";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config } from "../../lib/config";
import { ModelFilesError } from "../scoring/errors";
import { readFinetunedModel, runEsrganCommand } from "./finetuned";
import { ensureEsrganOnnx } from "./models";
import { upscaleFloat, type SrModel } from "./tiling";
import { prepareUpscaler } from "./upscaler";

// One run of the fine-tuning command with zero steps: its export is the npm weights rebuilt in
// PyTorch and written by torch.onnx, which is what the Node converter's output must match. The
// Python tests (worker/tuner/tests/test_esrgan.py) run real steps and check that training changes the model.
let dir: string;
let onnxPath: string;
let result: Record<string, unknown>;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "esrgan-ft-"));
  const photos = path.join(dir, "photos");
  await fs.mkdir(photos);
  for (const i of [0, 1]) {
    const raw = Buffer.alloc(96 * 96 * 3);
    for (let p = 0; p < raw.length; p++) raw[p] = (p * (7 + i) + (p >> 5)) % 256;
    await sharp(raw, { raw: { width: 96, height: 96, channels: 3 } })
      .png()
      .toFile(path.join(photos, `${i}.png`));
  }
  onnxPath = path.join(dir, "esrgan-medium-x4-ft.onnx");
  result = await runEsrganCommand(config().python, "esrgan-finetune", [
    ...["--tier", "medium", "--photos", photos, "--out", onnxPath],
    ...["--steps", "0", "--patch", "16", "--long-side", "96", "--device", "cpu"],
  ]);
}, 180_000);
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function sessionModel(session: ort.InferenceSession): SrModel {
  return {
    scale: 4,
    async run(chw, width, height) {
      const out = await session.run({ input: new ort.Tensor("float32", chw, [1, 3, height, width]) });
      return out.output!.data as Float32Array;
    },
  };
}

function tile(width: number, height: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37 + ((i / 97) | 0) * 11) % 256;
  return rgb;
}

describe("ESRGAN fine-tuning export", () => {
  it("rebuilds the npm weights in PyTorch: its ONNX export matches the Node converter within 1e-4 on a tile", async () => {
    expect(result.parityMaxAbsDiff as number).toBeLessThanOrEqual(1e-4); // PyTorch vs its own ONNX export
    const converted = await ensureEsrganOnnx({ modelsDir: dir, tier: "medium", scale: 4 });
    const [ours, node] = await Promise.all([
      ort.InferenceSession.create(onnxPath),
      ort.InferenceSession.create(converted.path),
    ]);
    const rgb = tile(24, 20);
    const whole = { tileSize: 64, overlap: 0 };
    const a = await upscaleFloat(sessionModel(ours), rgb, 24, 20, whole);
    const b = await upscaleFloat(sessionModel(node), rgb, 24, 20, whole);
    let max = 0;
    for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
    expect(max).toBeLessThanOrEqual(1e-4);
    await Promise.all([ours.release(), node.release()]);
  });

  it("upscales in the worker through the existing tiling, the same as one whole-image run", async () => {
    const upscaler = await prepareUpscaler({ modelPath: onnxPath, modelsDir: dir, tile: { tileSize: 16, overlap: 8 } });
    try {
      expect(upscaler.tier).toBe("medium");
      expect(upscaler.finetuned).toBe(true);
      const [w, h] = [40, 36];
      const rgb = tile(w, h);
      const tiled = await upscaler.upscaleRgb(rgb, w, h);
      const session = await ort.InferenceSession.create(onnxPath);
      const whole = await upscaleFloat(sessionModel(session), rgb, w, h, { tileSize: 64, overlap: 0 });
      await session.release();
      const [W, H] = [w * 4, h * 4];
      expect(tiled.length).toBe(W * H * 3);
      let max = 0;
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          for (let c = 0; c < 3; c++) {
            const v = Math.min(255, Math.max(0, Math.round(whole[c * W * H + y * W + x]! * 255)));
            max = Math.max(max, Math.abs(v - tiled[(y * W + x) * 3 + c]!));
          }
      expect(max).toBeLessThanOrEqual(1);
      const png = await sharp(Buffer.from(rgb), { raw: { width: w, height: h, channels: 3 } })
        .png()
        .toBuffer();
      const out = await upscaler.upscaleTo(png, { size: 200 });
      expect(out.usedModel).toBe(true);
      expect((await sharp(out.data).metadata()).exif?.toString("latin1")).toContain("fine-tuned");
    } finally {
      await upscaler.close();
    }
  });

  it("refuses an export whose file no longer matches its sidecar, or a sidecar of another scale", async () => {
    const copy = path.join(dir, "altered.onnx");
    const bytes = await fs.readFile(onnxPath);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    await fs.writeFile(copy, bytes);
    await fs.copyFile(`${onnxPath}.json`, `${copy}.json`);
    await expect(readFinetunedModel(copy)).rejects.toThrow(/checksum/);
    await expect(readFinetunedModel(path.join(dir, "missing.onnx"))).rejects.toBeInstanceOf(ModelFilesError);
    await expect(prepareUpscaler({ modelPath: onnxPath, scale: 2, modelsDir: dir })).rejects.toThrow(/x4/);
  });
});
