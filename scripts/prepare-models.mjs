// Model files for scoring and upscaling, under the gitignored models folder (config().modelsDir,
// default data/models): converts UpscalerJS's ESRGAN weights (npm) to ONNX and exports the tiny
// scoring models with the tuner venv. Idempotent and checksummed: a second run only verifies.
//
//   node scripts/prepare-models.mjs [--models-dir DIR] [--all-scales] [--export-real]
//
// The real scoring models (DINO ViT-S/16, CLIP, BLIP ITM) need the Hugging Face weights: they are
// exported only with --export-real (or SCENEBOOTH_EXPORT_REAL_MODELS=1) on a host that can
// download them (SCENEBOOTH_CLIP_MODEL picks another CLIP); otherwise a missing real export is
// reported, not fatal. The product segmenter (lib/images/segment.ts) is exported the same way: a
// random stand-in always, BiRefNet with --export-real (SCENEBOOTH_SEGMENTER_REVISION pins a commit).
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import { StepError } from "./lib/run.mjs";

const here = import.meta.url;
const load = (file) => tsImport(file, here);

async function exportScoring({ modelsDir, profile, log, runExport, readManifest, scoringModelsDir }) {
  const target = scoringModelsDir(modelsDir, profile);
  try {
    await readManifest(target, true);
    return "cached";
  } catch (error) {
    if (!/missing|not found/i.test(error.message)) log(`scoring/${profile}: ${error.message}; exporting again`);
  }
  const staging = `${target}.tmp-${process.pid}`;
  await fs.rm(staging, { recursive: true, force: true });
  log(`exporting the ${profile} scoring models to ONNX (python -m scenebooth_tuner.export)`);
  // The real export can use another CLIP checkpoint (e.g. openai/clip-vit-base-patch32 for speed).
  const clip =
    profile === "real" && process.env.SCENEBOOTH_CLIP_MODEL ? ["--clip-model", process.env.SCENEBOOTH_CLIP_MODEL] : [];
  try {
    await runExport(
      ["models", "--profile", profile, "--out", staging, ...clip],
      profile === "real" ? 3_600_000 : 600_000,
      {
        offline: profile !== "real",
      },
    );
  } catch (error) {
    await fs.rm(staging, { recursive: true, force: true });
    throw new StepError(`scoring export (${profile}) failed: ${error.message.split("\n").slice(0, 3).join(" ")}`);
  }
  await readManifest(staging, true);
  await fs.rm(target, { recursive: true, force: true });
  await fs.rename(staging, target);
  return "exported";
}

/** The segmenter (lib/images/segment.ts): the tiny stand-in always, BiRefNet with --export-real. */
async function exportSegmenter({ modelsDir, profile, log, runExport }) {
  const { segmenterDir, SEGMENTER_MANIFEST } = await load("../lib/images/segment.ts");
  const target = segmenterDir(modelsDir, profile);
  try {
    const manifest = JSON.parse(await fs.readFile(path.join(target, SEGMENTER_MANIFEST), "utf8"));
    const graph = await fs.readFile(path.join(target, manifest.file));
    if (createHash("sha256").update(graph).digest("hex") === manifest.sha256) return "cached";
    log(`segment/${profile}: ${manifest.file} does not match its checksum; exporting again`);
  } catch {
    // not exported yet
  }
  const staging = `${target}.tmp-${process.pid}`;
  await fs.rm(staging, { recursive: true, force: true });
  log(`exporting the ${profile} segmenter to ONNX (python -m scenebooth_tuner.export segmenter)`);
  const revision = profile === "real" && process.env.SCENEBOOTH_SEGMENTER_REVISION;
  try {
    await runExport(
      ["segmenter", "--profile", profile, "--out", staging, ...(revision ? ["--revision", revision] : [])],
      profile === "real" ? 3_600_000 : 120_000,
      { offline: profile !== "real" },
    );
  } catch (error) {
    await fs.rm(staging, { recursive: true, force: true });
    throw new StepError(`segmenter export (${profile}) failed: ${error.message.split("\n").slice(0, 3).join(" ")}`);
  }
  await fs.rm(target, { recursive: true, force: true });
  await fs.rename(staging, target);
  return "exported";
}

/**
 * @param {{ modelsDir?: string, log?: (line: string) => void, esrgan?: {tier: "thick"|"medium", scale: 2|3|4|8}[],
 *           exportReal?: boolean, profile?: string }} [options]
 */
export async function prepareModels(options = {}) {
  const log = options.log ?? ((line) => console.log(`[models] ${line}`));
  const { config } = await load("../lib/config.ts");
  const { ensureEsrganOnnx } = await load("../worker/upscale/models.ts");
  const { readManifest } = await load("../worker/scoring/manifest.ts");
  const { scoringModelsDir } = await load("../worker/scoring/scorers.ts");
  const { runExport } = await load("../worker/scoring/tuner-export.ts");
  const modelsDir = path.resolve(options.modelsDir ?? config().modelsDir);
  const profile = options.profile ?? config().modelProfile;
  const exportReal = options.exportReal ?? process.env.SCENEBOOTH_EXPORT_REAL_MODELS === "1";
  const esrgan = options.esrgan ?? [
    { tier: "thick", scale: 4 },
    { tier: "medium", scale: 4 },
  ];
  const summary = { modelsDir, esrgan: [], scoring: {} };

  for (const { tier, scale } of esrgan) {
    const result = await ensureEsrganOnnx({ modelsDir, tier, scale, log });
    summary.esrgan.push({
      tier,
      scale,
      path: path.relative(modelsDir, result.path),
      sha256: result.sha256,
      cached: result.cached,
    });
  }

  const deps = { modelsDir, log, runExport, readManifest, scoringModelsDir };
  summary.scoring.tiny = await exportScoring({ ...deps, profile: "tiny" });
  if (exportReal) {
    summary.scoring.real = await exportScoring({ ...deps, profile: "real" });
  } else {
    try {
      await readManifest(scoringModelsDir(modelsDir, "real"), false);
      summary.scoring.real = "present";
    } catch {
      summary.scoring.real = "missing";
      if (profile !== "tiny") {
        log(
          "the real scoring models are missing: run `node scripts/prepare-models.mjs --export-real` on a host " +
            "that can download facebook/dino-vits16, openai/clip-vit-large-patch14 and Salesforce/blip-itm-large-coco",
        );
      }
    }
  }
  summary.segmenter = { tiny: await exportSegmenter({ ...deps, profile: "tiny" }) };
  if (exportReal) {
    try {
      summary.segmenter.real = await exportSegmenter({ ...deps, profile: "real" });
    } catch (error) {
      // The dataset check runs without it (border mattes only), so a failed BiRefNet export is reported, not fatal.
      summary.segmenter.real = "failed";
      log(error.message);
    }
  }
  return summary;
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  const args = process.argv.slice(2);
  const value = (flag) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const allScales = args.includes("--all-scales");
  const esrgan = allScales
    ? ["thick", "medium"].flatMap((tier) => [2, 3, 4, 8].map((scale) => ({ tier, scale })))
    : undefined;
  const started = Date.now();
  prepareModels({ modelsDir: value("--models-dir"), esrgan, exportReal: args.includes("--export-real") || undefined })
    .then((summary) => {
      console.log(JSON.stringify({ ...summary, seconds: (Date.now() - started) / 1000 }, null, 2));
    })
    .catch((error) => {
      console.error(`prepare-models: ${error instanceof StepError ? error.message : (error.stack ?? error)}`);
      process.exit(1);
    });
}
