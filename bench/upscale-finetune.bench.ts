/**
 * ESRGAN fine-tuned on product photos (the paper's upscaler step) against the pretrained UpscalerJS
 * weights it starts from: PSNR and SSIM on DreamBench subjects held out of the fine-tuning. Each
 * held-out photo, shrunk to LONG_SIDE px, is the target; its degraded copy (blur, bicubic /4, JPEG:
 * the fine-tune's own degradation, `esrgan-pairs`) is the input, upscaled x4 by each model through
 * the worker's tiled upscaler.
 *
 * The default size fits a 2-core CPU (medium tier, 50 steps on 256 px photos, about 15 minutes on a
 * busy machine) and shows little; on a GPU host run ESRGAN_BENCH_TIER=thick ESRGAN_BENCH_STEPS=2000
 * ESRGAN_BENCH_LONG_SIDE=1024 for the real figure. ESRGAN_BENCH_MODEL=<onnx> evaluates an existing
 * fine-tuned export (trained on the TRAIN subjects) instead of training one.
 *
 * Run alone: npx tsx bench/upscale-finetune.bench.ts (writes bench/results/upscale-finetune.json and .md)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { config, projectRoot } from "../lib/config";
import { readFinetunedModel, runEsrganCommand } from "../worker/upscale/finetuned";
import type { Tier } from "../worker/upscale/models";
import { prepareUpscaler, type Upscaler } from "../worker/upscale/upscaler";
import { figure, type Figure } from "./figure";
import { psnr, ssim } from "./image-quality";
import { sharedDir } from "./upscale.bench";

/** Split by subject: the fine-tune never sees a held-out subject's photos. */
export const HELD_OUT = ["berry_bowl", "can", "fancy_boot", "vase"] as const;
export const TRAIN = [
  "backpack",
  "backpack_dog",
  "bear_plushie",
  "candle",
  "colorful_sneaker",
  "duck_toy",
  "grey_sloth_plushie",
  "monster_toy",
  "poop_emoji",
  "rc_car",
  "robot_toy",
  "teapot",
  "wolf_plushie",
] as const;
const PHOTOS_PER_HELD_OUT = 2;

const env = (name: string, fallback: string) => process.env[name]?.trim() || fallback;

async function rgbOf(file: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

async function scores(upscaler: Upscaler, pairs: Array<{ lr: string; hr: string }>) {
  const out: Array<{ psnr: number; ssim: number }> = [];
  for (const p of pairs) {
    const lr = await rgbOf(p.lr);
    const hr = await rgbOf(p.hr);
    const sr = await upscaler.upscaleRgb(lr.data, lr.width, lr.height);
    out.push({ psnr: psnr(sr, hr.data), ssim: ssim(sr, hr.data, hr.width, hr.height) });
  }
  return out;
}

const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

export async function benchUpscaleFinetune(log: (line: string) => void = console.log): Promise<Figure[]> {
  const cfg = config();
  const tier = env("ESRGAN_BENCH_TIER", "medium") as Tier;
  const steps = env("ESRGAN_BENCH_STEPS", "50");
  const longSide = env("ESRGAN_BENCH_LONG_SIDE", "256");
  const dreambench = path.join(sharedDir(), "dreambench");
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "esrgan-bench-"));
  try {
    let onnx = process.env.ESRGAN_BENCH_MODEL?.trim();
    if (!onnx) {
      log(`ESRGAN fine-tune bench: ${tier}, ${steps} steps on ${TRAIN.length} subjects, photos at ${longSide} px`);
      onnx = path.join(dir, `esrgan-${tier}-x4-ft.onnx`);
      await runEsrganCommand(cfg.python, "esrgan-finetune", [
        ...["--tier", tier, "--out", onnx, "--steps", steps, "--long-side", longSide],
        ...["--photos", ...TRAIN.map((s) => path.join(dreambench, s))],
      ]);
    }
    const model = await readFinetunedModel(onnx);
    const { training } = JSON.parse(await fs.readFile(`${onnx}.json`, "utf8")) as { training: Record<string, unknown> };
    const heldOut = HELD_OUT.flatMap((s) =>
      [...Array(PHOTOS_PER_HELD_OUT).keys()].map((i) => path.join(dreambench, s, `${String(i).padStart(2, "0")}.jpg`)),
    );
    const pairDir = path.join(dir, "pairs");
    const made = await runEsrganCommand(cfg.python, "esrgan-pairs", [
      ...["--photos", ...heldOut, "--out", pairDir, "--long-side", longSide],
    ]);
    const pairs = (made.pairs as Array<{ lr: string; hr: string }>).map((p) => ({
      lr: path.join(pairDir, p.lr),
      hr: path.join(pairDir, p.hr),
    }));
    const results: Record<"pretrained" | "finetuned", Array<{ psnr: number; ssim: number }>> = {
      pretrained: [],
      finetuned: [],
    };
    for (const which of ["pretrained", "finetuned"] as const) {
      const upscaler = await prepareUpscaler({
        tier: model.tier,
        scale: model.scale,
        modelsDir: cfg.modelsDir,
        executionProvider: cfg.executionProvider,
        ...(which === "finetuned" ? { modelPath: onnx } : {}),
      });
      try {
        results[which] = await scores(upscaler, pairs);
      } finally {
        await upscaler.close();
      }
    }
    const t = (key: string) => String(training[key]);
    const note =
      `${pairs.length} held-out photos (${HELD_OUT.join(", ")}) at ${longSide} px, input degraded /4; ` +
      `fine-tune: ${model.tier}, ${t("steps")} steps, ${t("loss")}, lr ${t("lr")}, batch ${t("batch")}, ` +
      `${t("patch")} px crops of ${(training.photos as unknown[]).length} photos of other subjects at ${t("long_side")} px, on ${t("device")}`;
    return (["psnr", "ssim"] as const).map((m) =>
      figure({
        name: `upscale_finetuned_${m}_${model.tier}`,
        value: avg(results.finetuned.map((r) => r[m])),
        unit: m === "psnr" ? "dB" : "SSIM",
        baseline: `pretrained UpscalerJS ${model.tier} (DIV2K), same inputs`,
        baselineValue: avg(results.pretrained.map((r) => r[m])),
        goal: "fine-tuned >= pretrained on photos it never saw",
        note,
      }),
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export default benchUpscaleFinetune;

if (import.meta.url === `file://${process.argv[1]}`) {
  benchUpscaleFinetune((line) => console.error(line)).then((figures) => {
    const resultsDir = path.join(projectRoot, "bench", "results");
    mkdirSync(resultsDir, { recursive: true });
    const date = new Date().toISOString();
    const machine = `${os.cpus()[0]?.model.trim() ?? "CPU"}, ${os.cpus().length} cores`;
    writeFileSync(
      path.join(resultsDir, "upscale-finetune.json"),
      `${JSON.stringify({ date, machine, figures }, null, 2)}\n`,
    );
    const rows = figures.map(
      (f) =>
        `| ${f.name} | ${f.value.toFixed(4)} ${f.unit} | ${f.baseline} | ${f.baselineValue.toFixed(4)} ${f.unit} | ${f.goal} |`,
    );
    writeFileSync(
      path.join(resultsDir, "upscale-finetune.md"),
      [
        "# ESRGAN fine-tuned vs pretrained (held-out DreamBench subjects)",
        "",
        `Run: ${date} on ${machine}. Reproduce: \`npx tsx bench/upscale-finetune.bench.ts\` (also part of \`npm run bench\`).`,
        "",
        "| figure | fine-tuned | baseline | baseline value | goal |",
        "|---|---|---|---|---|",
        ...rows,
        "",
        figures[0]?.note ?? "",
        "",
        "The default size is a smoke-sized CPU run (8 photos, a few dozen steps): it shows the direction, not the size",
        "of the effect. For the real figure see the header of bench/upscale-finetune.bench.ts (GPU host, thick, 2000 steps).",
        "",
      ].join("\n"),
    );
    console.log(JSON.stringify(figures, null, 2));
  });
}
