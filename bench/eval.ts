// `npm run eval`: the paper's evaluation (docs/recipe.md) over DreamBench subjects and the 20 scenes:
// tune, generate N images per prompt, score with the five internal metrics, print Table 2/3
// (mean, std, min, max), general vs specific means, and with --ablation the text-encoder-steps
// sweep. Writes bench/results/eval-<profile>.json and .md. With --compare A,B: two recipe variants
// (bench/eval/variants.ts) on the same subjects, prompts and seeds, paired differences with 95 %
// CIs, written to bench/results/eval-compare-<profile>-<A>-vs-<B>.json and .md.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { config, projectRoot } from "../lib/config";
import { textEncoderCalibrationSteps } from "../lib/pipeline/tuning-settings";
import { SCENES } from "../lib/scenes";
import { dreambenchDir } from "../lib/shared-data";
import { loadScorers } from "../worker/scoring";
import { buildComparison } from "./eval/compare";
import { SubjectRun, type TrainingRecord } from "./eval/run-subject";
import type { ScoredImage } from "./eval/stats";
import { availableSubjects, DEFAULT_SUBJECTS, loadSubjects } from "./eval/subjects";
import { buildTables, renderComparison, renderTables } from "./eval/tables";
import { isVariant, VARIANTS, type VariantName } from "./eval/variants";

/** The paper's calibration of the text-encoder steps: from 100 in +50 steps (docs/recipe.md). */
export const ABLATION_TEXT_ENCODER_STEPS = textEncoderCalibrationSteps(6);

const USAGE = `Usage: npm run eval -- [--subjects a,b,c | --all] [--images N] [--ablation | --compare A,B]
  --subjects   DreamBench subjects (default ${DEFAULT_SUBJECTS.join(",")})
  --all        every DreamBench subject with photos
  --images N   images per prompt (default 1)
  --ablation   also tune with ${ABLATION_TEXT_ENCODER_STEPS.join(", ")} text-encoder steps (captions reused)
  --compare A,B  tune two recipe variants on the same subjects, prompts and seeds and report paired
               differences with 95 % CIs; variants: ${Object.keys(VARIANTS).join(", ")}
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
      compare: { type: "string" },
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
  const compare = values.compare === undefined ? undefined : parseCompare(values.compare);
  if (compare && values.ablation) throw new Error("use either --ablation or --compare");
  return { subjects, all: values.all!, images, ablation: values.ablation!, compare, help: values.help! };
}

function parseCompare(value: string): [VariantName, VariantName] {
  const names = value.split(",").map((s) => s.trim());
  if (names.length !== 2 || names[0] === names[1])
    throw new Error(`--compare needs two different variants, "A,B"; got "${value}"`);
  for (const name of names)
    if (!isVariant(name)) throw new Error(`unknown variant "${name}"; known: ${Object.keys(VARIANTS).join(", ")}`);
  return names as [VariantName, VariantName];
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
  if (args.compare) {
    try {
      await compareVariants({
        args: { ...args, compare: args.compare },
        cfg,
        subjects,
        evalDir,
        scorers,
        started,
        log,
      });
    } finally {
      await scorers.close();
    }
    return;
  }
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

async function compareVariants(o: {
  args: ReturnType<typeof parseCli> & { compare: [VariantName, VariantName] };
  cfg: ReturnType<typeof config>;
  subjects: Awaited<ReturnType<typeof loadSubjects>>;
  evalDir: string;
  scorers: Awaited<ReturnType<typeof loadScorers>>;
  started: number;
  log: (line: string) => void;
}): Promise<void> {
  const { args, cfg, subjects, log } = o;
  const [a, b] = args.compare;
  const profile = cfg.modelProfile;
  const images: Record<string, ScoredImage[]> = { [a]: [], [b]: [] };
  const training: TrainingRecord[] = [];
  for (const subject of subjects) {
    log(`${subject.name} (${subject.classNoun}, ${subject.photos.length} photos): ${a} vs ${b}`);
    const run = new SubjectRun({
      cfg,
      subject,
      workDir: path.join(o.evalDir, subject.name),
      scorers: o.scorers,
      scenes: SCENES,
      imagesPerPrompt: args.images,
      log,
    });
    for (const name of [a, b]) {
      const point = await run.evaluate(run.defaultTextEncoderSteps, { name, train: VARIANTS[name].train });
      images[name]!.push(...point.images);
      training.push(point.training);
    }
  }
  const comparison = buildComparison(a, b, images[a]!, images[b]!);
  const durationS = (performance.now() - o.started) / 1000;
  const date = new Date().toISOString();
  const noise = profile === "tiny";
  const note = noise
    ? "tiny profile: randomly initialised models — the scores and their differences are NOISE; the run proves only that the comparison harness works end to end."
    : `profile ${profile}: real weights.`;
  const reproduce = `SCENEBOOTH_PROFILE=${profile} npm run eval -- --compare ${a},${b} --subjects ${subjects.map((s) => s.name).join(",")} --images ${args.images}`;
  const markdown = [
    `# Recipe comparison (${profile}): ${a} vs ${b}`,
    "",
    `**${note}**`,
    "",
    `Run: ${date} on ${machine()}; ${durationS.toFixed(0)} s. Subjects: ${subjects.map((s) => `${s.name} (${s.classNoun})`).join(", ")}; ` +
      `${SCENES.length} prompts × ${args.images} image(s) per variant, same captions, prompts and seeds. ` +
      `Tuning: ${[...new Set(training.map((t) => `UNet ${t.unetSteps} / text encoder ${t.textEncoderSteps} steps`))].join("; ")}.`,
    "",
    `- **${a}**: ${VARIANTS[a].description}`,
    `- **${b}**: ${VARIANTS[b].description}`,
    "",
    `Reproduce: \`${reproduce}\``,
    "",
    renderComparison(comparison),
    "",
  ].join("\n");
  const resultsDir = path.join(projectRoot, "bench", "results");
  mkdirSync(resultsDir, { recursive: true });
  const base = path.join(resultsDir, `eval-compare-${profile}-${a}-vs-${b}`);
  const relative = (image: ScoredImage) => ({ ...image, image: path.relative(o.evalDir, image.image) });
  const json = {
    profile,
    randomWeights: noise,
    note,
    date,
    machine: machine(),
    durationS,
    imagesPerPrompt: args.images,
    variants: { [a]: VARIANTS[a], [b]: VARIANTS[b] },
    subjects: subjects.map((s) => ({ name: s.name, classNoun: s.classNoun, photos: s.photos.length })),
    training,
    comparison,
    images: Object.fromEntries(Object.entries(images).map(([k, v]) => [k, v.map(relative)])),
  };
  writeFileSync(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown);
  console.log(`\n${markdown}`);
  console.log(`Written: ${path.relative(projectRoot, base)}.json and .md (${durationS.toFixed(0)} s)`);
}

main().catch((error: Error) => {
  console.error(
    ["Error", "TypeError", "UsageError"].includes(error.name) ? error.message : `${error.name}: ${error.message}`,
  );
  process.exit(1);
});
