import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { config } from "../lib/config";
import { TUNING_SETTINGS } from "../lib/pipeline/tuning-settings";
import { describeContract, resultFromWire, specFieldToWire, specToWire } from "./tuner-contract";

/** Every place where two contract descriptions differ, as "path: what"; empty when they agree. */
function differences(ts: unknown, python: unknown, where: string): string[] {
  if (typeof ts !== "object" || ts === null || typeof python !== "object" || python === null) {
    return JSON.stringify(ts) === JSON.stringify(python)
      ? []
      : [`${where}: TypeScript ${JSON.stringify(ts)}, Python ${JSON.stringify(python)}`];
  }
  if (Array.isArray(ts) !== Array.isArray(python))
    return [`${where}: TypeScript ${JSON.stringify(ts)}, Python ${JSON.stringify(python)}`];
  const a = ts as Record<string, unknown>;
  const b = python as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((key) => {
    if (!(key in b)) return [`${where}.${key}: only in TypeScript`];
    if (!(key in a)) return [`${where}.${key}: only in Python`];
    return differences(a[key], b[key], `${where}.${key}`);
  });
}

function pythonContract(): unknown {
  return JSON.parse(execFileSync(config().python, ["-m", "scenebooth_tuner", "contract"], { encoding: "utf8" }));
}

describe("the tuner contract", () => {
  it("is the same in the worker (worker/tuner-contract.ts) and in the tuner (scenebooth_tuner/spec.py)", () => {
    const python = pythonContract() as Record<string, unknown>;
    expect(Object.keys(python).sort()).toEqual(["caption", "generate", "train"]);
    expect(differences(describeContract(), python, "contract")).toEqual([]);
  });

  it("would see a field missing on either side, a type or a requiredness that differs, and a default that differs", () => {
    const python = pythonContract() as Record<string, { spec: { fields: Record<string, Record<string, unknown>> } }>;
    const fields = python.generate!.spec.fields;
    const ts = describeContract();
    fields.extra_python_field = { type: { kind: "integer" }, required: true };
    delete fields.num_images;
    fields.guidance_scale = { ...fields.guidance_scale, default: 9 };
    fields.seed = { ...fields.seed, type: { kind: "number" } };
    fields.weights = { ...fields.weights, required: true };
    expect(differences(ts, python, "contract").sort()).toEqual([
      "contract.generate.spec.fields.extra_python_field: only in Python",
      "contract.generate.spec.fields.guidance_scale.default: TypeScript 7.5, Python 9",
      "contract.generate.spec.fields.num_images: only in TypeScript",
      'contract.generate.spec.fields.seed.type.kind: TypeScript "integer", Python "number"',
      "contract.generate.spec.fields.weights.required: TypeScript false, Python true",
    ]);
  });

  it("writes a spec with the wire's names, nested objects and lists included, and leaves out what was not given", () => {
    const wire = specToWire("train", {
      profile: "tiny",
      classNoun: "sneaker",
      outputDir: "/tmp/out",
      instances: [{ image: "/tmp/a.png", caption: "a sneaker" }],
      steps: { unet: 30, textEncoder: 10, adaptive: false },
      lora: { textEncoderTargets: ["q_proj"] },
      checkpointEvery: 10,
      cacheDir: undefined,
    });
    expect(wire).toEqual({
      profile: "tiny",
      class_noun: "sneaker",
      output_dir: "/tmp/out",
      instances: [{ image: "/tmp/a.png", caption: "a sneaker" }],
      steps: { unet: 30, text_encoder: 10, adaptive: false },
      lora: { text_encoder_targets: ["q_proj"] },
      checkpoint_every: 10,
    });
  });

  it("reads a result into camelCase and says where one breaks the contract", () => {
    const image = {
      path: "/o/00-00.png",
      prompt: "a vase <myvase> on a rug",
      scene: "on a rug",
      scene_index: null,
      scene_kind: "custom",
      seed: 3,
      mode: "exact",
      layer: "/o/layers/0.png",
    };
    const wire = {
      command: "generate",
      profile: "tiny",
      random_weights: true,
      weights: null,
      weights_kind: "base",
      class_noun: "vase",
      identifier: "<myvase>",
      steps: 10,
      guidance_scale: 7.5,
      negative_prompt: "",
      scheduler: "DPMSolverMultistepScheduler",
      size: 768,
      model_resolution: 64,
      batch_size: 4,
      device: "cpu",
      images: [image],
      elapsed_s: 1.5,
    };
    const result = resultFromWire("generate", wire);
    expect(result.images[0]).toEqual({
      path: image.path,
      prompt: image.prompt,
      scene: image.scene,
      sceneIndex: null,
      sceneKind: "custom",
      seed: 3,
      mode: "exact",
      layer: "/o/layers/0.png",
    });
    expect([result.weightsKind, result.modelResolution, result.note]).toEqual(["base", 64, undefined]);

    expect(() => resultFromWire("generate", { ...wire, images: [{ ...image, seed: "3" }] })).toThrow(
      'result.images[0].seed must be an integer, got "3"',
    );
    expect(() => resultFromWire("generate", { ...wire, images: [{ ...image, mode: "inpaint" }] })).toThrow(
      "result.images[0].mode must be one of exact, tuned",
    );
    expect(() => resultFromWire("generate", { ...wire, weights_kind: "dreambooth" })).toThrow(
      "result.weights_kind must be one of base, full, lora",
    );
    const { steps: _steps, ...withoutSteps } = wire;
    expect(() => resultFromWire("generate", withoutSteps)).toThrow("result.steps is missing");
  });

  it("gives the train steps the wire's names, so tune's settings hash (made of them) is what it always was", () => {
    // Stored weights are reused by that hash: a change here would retrain every product once.
    expect(JSON.stringify(specFieldToWire("train", "steps", TUNING_SETTINGS.tiny.steps))).toBe(
      '{"unet":30,"text_encoder":10,"adaptive":false}',
    );
    expect(JSON.stringify(specFieldToWire("train", "steps", TUNING_SETTINGS.sd21.steps))).toBe(
      '{"unet":1500,"text_encoder":200,"adaptive":true}',
    );
  });
});
