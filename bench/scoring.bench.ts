/**
 * Scoring throughput on CPU with the tiny exports: candidates scored per second for each metric
 * (one candidate = decode + preprocess + the ONNX calls that metric needs, prompt not cached) and
 * for scoreCandidate (all five), against PyTorch (Hugging Face models, same weights, same images,
 * same definitions) measured in the same run. The real models are far larger: these figures
 * measure the pipeline overhead (decode, Pillow-exact resize, tokenization, onnxruntime calls).
 *
 * Runtime on 2 cores: about 1 minute (the tiny export with PyTorch weights is made first).
 * Run alone: npx tsx bench/scoring.bench.ts
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { decodeRgb } from "../worker/scoring/image-input";
import { readManifest } from "../worker/scoring/manifest";
import { meanCosine, cosine, itmProbability } from "../worker/scoring/metrics";
import { preprocessBatch } from "../worker/scoring/preprocess";
import { runExport } from "../worker/scoring/tuner-export";
import { loadScorers, scoringModelsDir } from "../worker/scoring/scorers";
import { createSession, float32, int64Rows, row } from "../worker/scoring/session";
import { TextTokenizer } from "../worker/scoring/tokenizer";
import { figure, type Figure } from "./figure";
import { sharedDir } from "./upscale.bench";

const SECONDS = 2;
const PROMPT = "a sneaker <mysneaker> on a cobblestone street";
const PHOTOS = ["colorful_sneaker/01.jpg", "colorful_sneaker/02.jpg", "fancy_boot/01.jpg", "backpack/01.jpg"];

async function rate(fn: (i: number) => Promise<unknown>): Promise<number> {
  await fn(0);
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) await fn(count++);
  return count / ((performance.now() - start) / 1000);
}

export async function benchScoring(log: (line: string) => void = console.log): Promise<Figure[]> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), "scoring-bench-"));
  try {
    const modelsDir = path.join(work, "models");
    const dir = scoringModelsDir(modelsDir, "tiny");
    log("scoring bench: exporting the tiny models (with PyTorch weights for the baseline)");
    await runExport(["models", "--profile", "tiny", "--out", dir, "--save-torch"]);
    // 768 px PNG candidates, as the generate stage writes them
    const images: string[] = [];
    for (const [i, photo] of PHOTOS.entries()) {
      const file = path.join(work, `candidate${i}.png`);
      await sharp(path.join(sharedDir(), "dreambench", photo))
        .resize(768, 768, { fit: "cover" })
        .png()
        .toFile(file);
      images.push(file);
    }
    const pick = (i: number) => images[i % images.length]!;

    const { manifest } = await readManifest(dir, false);
    const m = manifest.models;
    const session = (f: string) => createSession(path.join(dir, f));
    const [dinoV, clipV, clipT, blipV, blipT, blipI] = await Promise.all(
      [
        m.dino.files.vision,
        m.clip.files.vision,
        m.clip.files.text,
        m.blip.files.vision,
        m.blip.files.text,
        m.blip.files.itm,
      ].map(session),
    );
    const clipTok = await TextTokenizer.load(path.join(dir, m.clip.files.tokenizer), m.clip.text.maxLength);
    const blipTok = await TextTokenizer.load(path.join(dir, m.blip.files.tokenizer), m.blip.text.maxLength);
    const ids = (tok: TextTokenizer) => {
      const t = tok.encode(PROMPT).ids;
      return { input_ids: int64Rows([t]), attention_mask: int64Rows([t.map(() => 1)]) };
    };
    const vision = async (i: number, model: "dino" | "clip" | "blip") => {
      const px = preprocessBatch([await decodeRgb(pick(i))], m[model].preprocess);
      const s = model === "dino" ? dinoV! : model === "clip" ? clipV! : blipV!;
      return s.run({ pixel_values: float32(px.data, px.dims) });
    };
    const ref = [new Float32Array(32)];
    const refClip = [new Float32Array(16)];

    const node: Record<string, number> = {
      dino: await rate(async (i) => meanCosine(row((await vision(i, "dino")).cls!, 0), ref)),
      clipI: await rate(async (i) => meanCosine(row((await vision(i, "clip")).image_embeds!, 0), refClip)),
      clipT: await rate(async (i) => {
        const img = row((await vision(i, "clip")).image_embeds!, 0);
        return cosine(img, row((await clipT!.run(ids(clipTok))).text_embeds!, 0));
      }),
      itm: await rate(async (i) => {
        const v = await vision(i, "blip");
        return itmProbability(
          (await blipI!.run({ ...ids(blipTok), image_embeds: v.image_embeds! })).itm_logits!.data as Float32Array,
        );
      }),
      itc: await rate(async (i) => {
        const v = await vision(i, "blip");
        return cosine(row(v.image_feat!, 0), row((await blipT!.run(ids(blipTok))).text_feat!, 0));
      }),
    };
    const scorers = await loadScorers({ modelsDir, profile: "tiny" });
    const refs = await scorers.embedReferences(images.slice(0, 2));
    let n = 0;
    // a new prompt each time, so the text cache does not help
    node.all = await rate(async (i) => scorers.scoreCandidate(pick(i), `${PROMPT} ${n++}`, refs));
    await scorers.close();
    await Promise.all([dinoV, clipV, clipT, blipV, blipT, blipI].map((s) => s!.release()));

    log("scoring bench: PyTorch baseline");
    const torchRates = JSON.parse(
      await runExport([
        "bench",
        "--models",
        dir,
        "--images",
        ...images,
        "--prompt",
        PROMPT,
        "--seconds",
        String(SECONDS),
      ]),
    ) as Record<string, number>;

    return Object.entries(node).map(([metric, value]) =>
      figure({
        name: `scoring_throughput_${metric}_tiny`,
        value,
        unit: "candidates/s",
        baseline: "PyTorch (transformers, CPU), same tiny weights and images",
        baselineValue: torchRates[metric]!,
        goal: "Node/onnxruntime at least as fast as the PyTorch reference",
        note: metric === "all" ? "scoreCandidate: all five metrics, shared decode and vision passes" : undefined,
      }),
    );
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

export default benchScoring;

if (import.meta.url === `file://${process.argv[1]}`) {
  benchScoring((line) => console.error(line)).then((figures) => console.log(JSON.stringify(figures, null, 2)));
}
