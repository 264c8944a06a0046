// The production segmenter path end to end, without the internet: the tuner's real export downloads a
// FAKE ZhengPeng7/BiRefNet (worker/tuner/tests/fake_birefnet_hub.py: BiRefNet's repository shape and
// remote code with deformable convolutions, random weights) from a local fake hub at a pinned commit,
// and openSegmenter loads what it wrote and segments a photo. Its mattes mean nothing (random weights).
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyPhoto } from "../../tests/harness/busy-photo";
import { config } from "../config";
import { openSegmenter, type Segmenter } from "./segment";

const exec = promisify(execFile);
const script = path.join(import.meta.dirname, "..", "..", "worker", "tuner", "tests", "fake_birefnet_hub.py");

describe("the real segmenter export (fake BiRefNet on a fake hub)", () => {
  let dir: string;
  let segmenter: Segmenter;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "segmenter-real-"));
    await exec(config().python, [script, path.join(dir, "out"), "pinned"], { timeout: 300_000 });
    segmenter = await openSegmenter(path.join(dir, "out"));
  }, 320_000);
  afterAll(async () => {
    await segmenter?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("opens the pinned, checksummed export and segments a photo with it", async () => {
    expect(segmenter.manifest).toMatchObject({
      profile: "real",
      standIn: false,
      source: "fake-org/BiRefNet",
      license: "MIT",
      input: "input_image",
      output: "output_image",
      side: 1024,
      outputIs: "logits",
    });
    expect(segmenter.manifest.revision).toMatch(/^[0-9a-f]{40}$/);
    const matte = await segmenter.segment(await busyPhoto(300, 200, { left: 100, top: 50, size: 100 }));
    expect([matte.alphaWidth, matte.alphaHeight, matte.alpha.length]).toEqual([300, 200, 300 * 200]);
    expect(matte.source).toBe("model");
    expect(matte.trusted).toBe(matte.plain && matte.cohesion >= 0.9);
  });
});
