import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config } from "../lib/config";
import { ResidentTuner } from "./tuner-pool";
import type { TunerProgress } from "./tuner-process";

const python = config().python;
// The real tuner, offline, on the tiny profile (random weights built once under the models dir).
const realEnv = { SCENEBOOTH_MODELS_DIR: config().modelsDir, SCENEBOOTH_OFFLINE: "1" };

let tmp: string;
let images: string[];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "tuner-pool-"));
  images = await Promise.all(
    [0, 1, 2].map(async (i) => {
      const file = path.join(tmp, `photo-${i}.png`);
      await sharp({ create: { width: 768, height: 768, channels: 3, background: { r: 70 * i, g: 90, b: 200 } } })
        .png()
        .toFile(file);
      return file;
    }),
  );
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("the resident tuner process", () => {
  it("is started again when it dies mid-job, and the job is retried there", async () => {
    const tuner = new ResidentTuner(python, realEnv);
    try {
      const before = await tuner.stats();
      expect(tuner.pid).toBe(before.pid);
      const stages: string[] = [];
      let killed = false;
      const result = await tuner.run({
        python,
        command: "train",
        spec: {
          profile: "tiny",
          classNoun: "sneaker",
          outputDir: path.join(tmp, "train"),
          instances: images.map((image) => ({ image, caption: "a sneaker on a table" })),
          steps: { unet: 4, textEncoder: 1, adaptive: false },
          prior: { enabled: false },
        },
        workDir: tmp,
        timeoutMs: 120_000,
        onProgress: (event: TunerProgress) => {
          stages.push(`${event.stage} ${event.step}`);
          if (!killed) {
            killed = true;
            process.kill(before.pid, "SIGKILL"); // mid-job: it has just begun loading
          }
        },
      });
      expect(killed).toBe(true);
      expect(result.losses).toHaveLength(5); // the text encoder alone 1 step, then the UNet 4
      // The job started over from its first stage in the new process.
      expect(stages.filter((stage) => stage === "load 0")).toHaveLength(2);
      const after = await tuner.stats();
      expect(after.pid).not.toBe(before.pid);
      expect(after.jobs).toBe(1);
      expect(after.loads).toMatchObject({ unet: 1, text_encoder: 1, vae: 1 });
    } finally {
      await tuner.close();
    }
    expect(tuner.pid).toBeUndefined();
  }, 300_000);
});
