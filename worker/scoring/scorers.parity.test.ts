import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BAD_IMAGES } from "./bad-images";
import { ImageInputError, ModelFilesError } from "./errors";
import { decodeRgb } from "./image-input";
import { readManifest } from "./manifest";
import { preprocess } from "./preprocess";
import { pythonReference, runExport, type ReferenceResult } from "./tuner-export";
import { loadScorers, scoringModelsDir, type ReferenceEmbeddings, type Scorers } from "./scorers";
import { TextTokenizer } from "./tokenizer";

// Exports the tiny models with the tuner venv, computes the PyTorch reference in the same run,
// then scores the same files in Node: everything must agree within 1e-4.
const TOLERANCE = 1e-4;

let work: string;
let modelsDir: string;
let scoringDir: string;
let reference: ReferenceResult;
let scorers: Scorers;
let refs: ReferenceEmbeddings;
const images: Record<string, string> = {};

const PROMPTS = [
  "a sneaker <mysneaker> sitting on the top of a rock",
  "A Teapot <myteapot> on the BEACH, with turquoise waves!",
  "a vase in the   jungle café",
  "a backpack " + Array.from({ length: 100 }, (_, i) => (i % 2 ? "sunny" : "beach")).join(" "),
];

async function makeImage(name: string, width: number, height: number, format: "png" | "jpeg") {
  // Structured content (gradients and blocks) plus noise, so resampling errors would show.
  const raw = Buffer.alloc(width * height * 3);
  const seed = name.length * 31;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const block = ((x >> 4) + (y >> 4) + seed) % 3;
      raw[i] = (x * 255) / width;
      raw[i + 1] = block === 0 ? 230 : (y * 255) / height;
      raw[i + 2] = ((x * 7 + y * 13 + seed) * 2654435761) % 251;
    }
  }
  const file = path.join(work, `${name}.${format}`);
  await sharp(raw, { raw: { width, height, channels: 3 } })
    [format]()
    .toFile(file);
  images[name] = file;
}

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "scoring-parity-"));
  modelsDir = path.join(work, "models");
  scoringDir = scoringModelsDir(modelsDir, "tiny");
  await makeImage("ref0", 320, 240, "png");
  await makeImage("ref1", 257, 391, "png");
  await makeImage("ref2", 768, 768, "png");
  await makeImage("cand0", 500, 300, "png");
  await makeImage("cand1", 64, 80, "png");
  await makeImage("cand2", 400, 400, "jpeg");
  await runExport(["models", "--profile", "tiny", "--out", scoringDir, "--save-torch"]);
  const candidates = ["cand0", "cand1", "cand2"].flatMap((image, i) => [
    { image, prompt: PROMPTS[i]! },
    { image, prompt: PROMPTS[(i + 1) % PROMPTS.length]! },
  ]);
  candidates.push({ image: "cand0", prompt: PROMPTS[3]! });
  reference = await pythonReference(scoringDir, { images, references: ["ref0", "ref1", "ref2"], candidates }, work);
  scorers = await loadScorers({ modelsDir, profile: "tiny" });
  refs = await scorers.embedReferences(["ref0", "ref1", "ref2"].map((id) => images[id]!));
}, 600_000); // the export takes ~30 s on 2 idle cores; allow for a busy machine

afterAll(async () => {
  await scorers?.close();
  if (work) await fs.rm(work, { recursive: true, force: true });
});

const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe("tiny exports: Node scores match PyTorch", () => {
  it("preprocessing matches Hugging Face's PIL image processors (pixel tensors)", async () => {
    const { manifest } = await readManifest(scoringDir, false);
    for (const [id, file] of Object.entries(images)) {
      const image = await decodeRgb(file);
      for (const model of ["dino", "clip", "blip"] as const) {
        const want = new Float32Array(
          (await fs.readFile(path.join(work, "pixels", `${model}-${id}.f32`))).buffer.slice(0),
        );
        const got = preprocess(image, manifest.models[model].preprocess);
        expect(maxAbsDiff(got, want), `${model} ${id}`).toBeLessThan(1e-5);
      }
    }
  });

  it("tokenizers give the Python ids (identifier removed, truncated to the model's length)", async () => {
    const { manifest } = await readManifest(scoringDir, false);
    const m = manifest.models;
    const clip = await TextTokenizer.load(path.join(scoringDir, m.clip.files.tokenizer), m.clip.text.maxLength);
    const blip = await TextTokenizer.load(path.join(scoringDir, m.blip.files.tokenizer), m.blip.text.maxLength);
    for (const prompt of Object.keys(reference.tokens.clip)) {
      expect(clip.encode(prompt).ids, prompt).toEqual(reference.tokens.clip[prompt]);
      expect(blip.encode(prompt).ids, prompt).toEqual(reference.tokens.blip[prompt]);
    }
    expect(reference.tokens.clip[PROMPTS[3]!]).toHaveLength(77);
    expect(reference.tokens.blip[PROMPTS[3]!]).toHaveLength(35);
  });

  it("tokenizer round trips: decode(encode(text)) gives the normalised text", async () => {
    const { manifest } = await readManifest(scoringDir, false);
    const m = manifest.models;
    const clip = await TextTokenizer.load(path.join(scoringDir, m.clip.files.tokenizer), 77);
    const blip = await TextTokenizer.load(path.join(scoringDir, m.blip.files.tokenizer), 35);
    const text = "A Sneaker <mysneaker> sitting on the top of a rock";
    expect(clip.decode(clip.encode(text).ids)).toBe("a sneaker sitting on the top of a rock");
    expect(blip.decode(blip.encode(text).ids)).toBe("a sneaker sitting on the top of a rock");
    expect(clip.decode(clip.encode("a photo of a cat").ids)).toBe("a photo of a cat");
    // real CLIP BPE ids (openai/clip-vit-large-patch14), BOS and EOS included
    expect(clip.encode("a photo of a cat").ids).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
  });

  it("reference embeddings (DINO CLS, CLIP image) match, relative to their magnitude", () => {
    ["ref0", "ref1", "ref2"].forEach((id, i) => {
      for (const model of ["dino", "clip"] as const) {
        const want = reference.embeddings[model][id]!;
        expect(maxAbsDiff(refs[model][i]!, want) / maxAbs(want), `${model} ${id}`).toBeLessThan(TOLERANCE);
      }
    });
  });

  it("DINO, CLIP-I, CLIP-T, ITM and ITC match within 1e-4", async () => {
    for (const want of reference.scores) {
      const got = await scorers.scoreCandidate(images[want.image]!, want.prompt, refs);
      for (const metric of ["dino", "clipI", "clipT", "itm", "itc"] as const) {
        expect(Math.abs(got[metric] - want[metric]), `${metric} ${want.image} "${want.prompt}"`).toBeLessThan(
          TOLERANCE,
        );
      }
    }
    // the tiny models are not constant: different candidates get different scores
    const spread = new Set(reference.scores.map((s) => s.clipI.toFixed(3)));
    expect(spread.size).toBeGreaterThan(1);
  });

  it("refuses reference embeddings from another export", async () => {
    await expect(
      scorers.scoreCandidate(images.cand0!, PROMPTS[0]!, { ...refs, modelsDigest: "0123456789abcdef" }),
    ).rejects.toThrow(ModelFilesError);
  });

  it("bad candidate images give a typed error or are converted and scored", async () => {
    for (const bad of BAD_IMAGES) {
      const bytes = await bad.bytes();
      if ("error" in bad.expect) {
        const error = await scorers.scoreCandidate(bytes, PROMPTS[0]!, refs).catch((e: unknown) => e);
        expect(error, bad.name).toBeInstanceOf(ImageInputError);
      } else {
        const scores = await scorers.scoreCandidate(bytes, PROMPTS[0]!, refs);
        expect(Object.values(scores).every(Number.isFinite), bad.name).toBe(true);
      }
    }
  });

  it("a bad reference photo is named in the error", async () => {
    const error = await scorers.embedReferences([images.ref0!, await BAD_IMAGES[0]!.bytes()]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageInputError);
    expect((error as ImageInputError).code).toBe("too_small");
    expect((error as Error).message).toMatch(/^reference photo 2: /);
  });

  it("a model file that does not match its checksum is refused at load", async () => {
    const copy = path.join(work, "tampered");
    await fs.cp(modelsDir, copy, { recursive: true });
    const target = path.join(scoringModelsDir(copy, "tiny"), "dino_vision.onnx");
    const bytes = await fs.readFile(target);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    await fs.writeFile(target, bytes);
    await expect(loadScorers({ modelsDir: copy, profile: "tiny" })).rejects.toThrow(/sha256/);
    await expect(loadScorers({ modelsDir: path.join(work, "nowhere"), profile: "tiny" })).rejects.toThrow(
      ModelFilesError,
    );
  });
});
