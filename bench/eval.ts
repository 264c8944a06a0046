// `npm run eval`: the paper's evaluation (docs/recipe.md) over DreamBench subjects and the 20 scenes:
// tune, generate N images per prompt, score with the five internal metrics, print Table 2/3
// (mean, std, min, max), general vs specific means, and with --ablation the text-encoder-steps
// sweep. Writes bench/results/eval-<profile>.json and .md.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { config, projectRoot } from "../lib/config";
import { textEncoderCalibrationSteps } from "../lib/pipeline/tuning-settings";
import { SCENES } from "../lib/scenes";
import { dreambenchDir } from "../lib/shared-data";
import { loadScorers } from "../worker/scoring";
import { SubjectRun, type TrainingRecord } from "./eval/run-subject";
import type { ScoredImage } from "./eval/stats";
import { availableSubjects, DEFAULT_SUBJECTS, loadSubjects } from "./eval/subjects";
import { buildTables, renderTables } from "./eval/tables";

/** The paper's calibration of the text-encoder steps: from 100 in +50 steps (docs/recipe.md). */
export const ABLATION_TEXT_ENCODER_STEPS = textEncoderCalibrationSteps(6);

const USAGE = `Usage: npm run eval -- [--subjects a,b,c | --all] [--images N] [--ablation]
  --subjects   DreamBench subjects (default ${DEFAULT_SUBJECTS.join(",")})
  --all        every DreamBench subject with photos
  --images N   images per prompt (default 1)
  --ablation   also tune with ${ABLATION_TEXT_ENCODER_STEPS.join(", ")} text-encoder steps (captions reused)
Profile: SCENEBOOTH_PROFILE (tiny by default: random weights, scores are noise).`;

class UsageError extends Error {
  override name = "UsageError";
}

function parseCli(argv: string[]) {
  try {
    return parseOptions(argv);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
}

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      subjects: { type: "string" },
      all: { type: "boolean", default: false },
      images: { type: "string", default: "1" },
      ablation: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  const images = Number(values.images);
  if (!Number.isInteger(images) || images < 1 || images > 64)
    throw new Error(`--images must be a whole number from 1 to 64, got "${values.images}"`);
  if (values.all && values.subjects) throw new Error("use either --subjects or --all");
  const subjects = values.subjects
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (subjects && subjects.length === 0) throw new Error("--subjects needs at least one name");
  return { subjects, all: values.all!, images, ablation: values.ablation!, help: values.help! };
}

function machine(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? "unknown CPU";
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
}

async function main(): Promise<void> {
  const args = parseCli(process.argv.slice(2));
  if (args.help) return void console.log(USAGE);
  const cfg = config();
  const profile = cfg.modelProfile;
  const started = performance.now();
  const dir = dreambenchDir();
  const names = args.all ? await availableSubjects(dir) : (args.subjects ?? [...DEFAULT_SUBJECTS]);
  const subjects = await loadSubjects(dir, names);
  const noise = profile === "tiny";
  const log = (line: string) => console.log(line);
  if (noise)
    log(
      "Profile tiny: randomly initialised models. These scores are NOISE; the run proves the harness, not the method.",
    );
  log(
    `Evaluating ${subjects.length} subjects × ${SCENES.length} prompts × ${args.images} image(s), profile ${profile}${args.ablation ? ", with the text-encoder ablation" : ""}`,
  );

  const evalDir = path.join(cfg.workDir, "eval", profile);
  const scorers = await loadScorers({ modelsDir: cfg.modelsDir, profile, executionProvider: cfg.executionProvider });
  const images: ScoredImage[] = [];
  const ablation: ScoredImage[] = [];
  const training: TrainingRecord[] = [];
  const mainTraining: TrainingRecord[] = [];
  try {
    for (const subject of subjects) {
      log(`${subject.name} (${subject.classNoun}, ${subject.photos.length} photos)`);
      const run = new SubjectRun({
        cfg,
        subject,
        workDir: path.join(evalDir, subject.name),
        scorers,
        scenes: SCENES,
        imagesPerPrompt: args.images,
        log,
      });
      const main = await run.evaluate(run.defaultTextEncoderSteps);
      images.push(...main.images);
      training.push(main.training);
      mainTraining.push(main.training);
      if (!args.ablation) continue;
      for (const steps of ABLATION_TEXT_ENCODER_STEPS) {
        const point = steps === run.defaultTextEncoderSteps ? main : await run.evaluate(steps);
        ablation.push(...point.images);
        if (point !== main) training.push(point.training);
      }
    }
  } finally {
    await scorers.close();
  }

  const tables = buildTables(images, args.ablation ? ablation : undefined);
  const durationS = (performance.now() - started) / 1000;
  const date = new Date().toISOString();
  const note = noise
    ? "tiny profile: randomly initialised models — the scores are noise and prove only that the harness runs end to end."
    : `profile ${profile}: real weights.`;
  const header = [
    `# Evaluation (${profile})`,
    "",
    `**${note}**`,
    "",
    `Run: ${date} on ${machine()}; ${durationS.toFixed(0)} s. Subjects: ${subjects.map((s) => `${s.name} (${s.classNoun})`).join(", ")}; ` +
      `${SCENES.length} prompts (10 general, 10 specific) × ${args.images} image(s). ` +
      `Tuning: ${[...new Set(mainTraining.map((t) => `UNet ${t.unetSteps} / text encoder ${t.textEncoderSteps} steps`))].join("; ")}` +
      `${args.ablation ? `; ablation: text encoder ${ABLATION_TEXT_ENCODER_STEPS.join(", ")} steps (UNet at least as many)` : ""}. ` +
      "Cosines are raw; ITM is a probability.",
    `Reproduce: \`SCENEBOOTH_PROFILE=${profile} npm run eval -- --subjects ${subjects.map((s) => s.name).join(",")} --images ${args.images}${args.ablation ? " --ablation" : ""}\``,
    "",
  ].join("\n");
  const markdown = `${header}\n${renderTables(tables)}\n`;

  const resultsDir = path.join(projectRoot, "bench", "results");
  mkdirSync(resultsDir, { recursive: true });
  const relative = (image: ScoredImage) => ({ ...image, image: path.relative(evalDir, image.image) });
  const json = {
    profile,
    randomWeights: noise,
    note,
    date,
    machine: machine(),
    durationS,
    imagesPerPrompt: args.images,
    subjects: subjects.map((s) => ({ name: s.name, classNoun: s.classNoun, photos: s.photos.length })),
    training,
    tables,
    images: images.map(relative),
    ablation: args.ablation ? ablation.map(relative) : undefined,
  };
  writeFileSync(path.join(resultsDir, `eval-${profile}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(path.join(resultsDir, `eval-${profile}.md`), markdown);
  console.log(`\n${markdown}`);
  console.log(`Written: bench/results/eval-${profile}.json and .md (${durationS.toFixed(0)} s)`);
}

main().catch((error: Error) => {
  console.error(
    ["Error", "TypeError", "UsageError"].includes(error.name) ? error.message : `${error.name}: ${error.message}`,
  );
  process.exit(1);
});
