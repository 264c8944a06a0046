import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../../lib/config";
import { TUNING_SETTINGS } from "../../lib/pipeline/tuning-settings";
import { identifierToken, scoringPrompt } from "../../lib/prompts";
import type { Scene } from "../../lib/scenes";
import { preparePhoto } from "../../lib/images/prepare-photo";
import type { Scorers } from "../../worker/scoring";
import { runTuner } from "../../worker/tuner-process";
import type { ScoredImage } from "./stats";
import type { EvalSubject } from "./subjects";

interface CaptionResult {
  captions: Array<{ image: string; caption: string; prompt: string }>;
  random_weights?: boolean;
}
interface TrainResult {
  artifact: string;
  steps: { unet: number; unet_requested: number; text_encoder: number };
  reused?: boolean;
  elapsed_s: number;
}
interface GenerateResult {
  images: Array<{ path: string; prompt: string; seed: number; scene: string }>;
  steps: number;
  elapsed_s: number;
}

export interface SubjectRunOptions {
  cfg: Config;
  subject: EvalSubject;
  /** The subject's folder for crops, captions, weights and images; re-runs reuse what is there. */
  workDir: string;
  scorers: Scorers;
  scenes: readonly Scene[];
  imagesPerPrompt: number;
  log: (line: string) => void;
}

/** What one subject's tuning produced, for the report. */
export interface TrainingRecord {
  subject: string;
  textEncoderSteps: number;
  unetSteps: number;
  reused: boolean;
  elapsedS: number;
}

/**
 * One subject through the paper's protocol: 768 crops of its photos, BLIP-2 captions (made once
 * and reused by every training), then per text-encoder step count: tuning, N images per scene,
 * and the five scores of each image against the subject's real photos.
 */
export class SubjectRun {
  private readonly settings;
  private readonly common;
  private photos?: { paths: string[]; pngs: Buffer[] };
  private captions?: CaptionResult;

  constructor(private readonly o: SubjectRunOptions) {
    this.settings = TUNING_SETTINGS[o.cfg.modelProfile];
    this.common = { profile: o.cfg.modelProfile, class_noun: o.subject.classNoun, identifier: identifierToken(o.subject.classNoun), seed: 0 };
  }

  /** The profile's own text-encoder steps (the paper's 200 on sd21). */
  get defaultTextEncoderSteps(): number {
    return this.settings.steps.text_encoder;
  }

  private tuner<R>(command: string, spec: Record<string, unknown>): Promise<R> {
    return runTuner<R>({
      python: this.o.cfg.python,
      command,
      spec,
      workDir: this.o.workDir,
      timeoutMs: this.o.cfg.tunerTimeoutMs,
      env: { SCENEBOOTH_MODELS_DIR: this.o.cfg.modelsDir },
    });
  }

  private async prepare(): Promise<{ paths: string[]; pngs: Buffer[] }> {
    if (this.photos) return this.photos;
    const dir = path.join(this.o.workDir, "photos");
    await mkdir(dir, { recursive: true });
    const paths: string[] = [];
    const pngs: Buffer[] = [];
    for (const source of this.o.subject.photos) {
      const { png } = await preparePhoto(await readFile(source));
      const target = path.join(dir, `${path.parse(source).name}.png`);
      await writeFile(target, png);
      paths.push(target);
      pngs.push(png);
    }
    return (this.photos = { paths, pngs });
  }

  private async caption(): Promise<CaptionResult> {
    if (this.captions) return this.captions;
    const { paths } = await this.prepare();
    const outputDir = path.join(this.o.workDir, "captions");
    const saved = path.join(outputDir, "result.json");
    if (existsSync(saved)) {
      const previous = JSON.parse(await readFile(saved, "utf8")) as CaptionResult;
      if (previous.captions.map((c) => c.image).join("\n") === paths.join("\n")) return (this.captions = previous);
    }
    this.o.log(`  ${this.o.subject.name}: captioning ${paths.length} photos`);
    return (this.captions = await this.tuner<CaptionResult>("caption", { ...this.common, output_dir: outputDir, images: paths }));
  }

  /** Tunes with `textEncoderSteps` (UNet steps raised to at least as many), draws and scores every scene. */
  async evaluate(textEncoderSteps: number): Promise<{ images: ScoredImage[]; training: TrainingRecord }> {
    const { subject, cfg, scorers, scenes, imagesPerPrompt, log } = this.o;
    const { pngs } = await this.prepare();
    const captions = await this.caption();
    const steps = { ...this.settings.steps, text_encoder: textEncoderSteps, unet: Math.max(this.settings.steps.unet, textEncoderSteps) };
    log(`  ${subject.name}: tuning (UNet ${steps.unet} steps, text encoder ${steps.text_encoder})`);
    const trained = await this.tuner<TrainResult>("train", {
      ...this.common,
      output_dir: path.join(this.o.workDir, `train-te${textEncoderSteps}`),
      cache_dir: path.join(cfg.workDir, "class-images"),
      mode: cfg.modelProfile === "sd21" ? "full" : "lora",
      steps,
      checkpoint_every: this.settings.checkpointEvery,
      instances: captions.captions.map((c) => ({ image: c.image, caption: c.caption })),
    });

    log(`  ${subject.name}: generating ${scenes.length} prompts × ${imagesPerPrompt}`);
    const generated = await this.tuner<GenerateResult>("generate", {
      ...this.common,
      output_dir: path.join(this.o.workDir, `images-te${textEncoderSteps}-n${imagesPerPrompt}`),
      weights: trained.artifact,
      scenes: scenes.map((s) => s.text),
      num_images: imagesPerPrompt,
      // The paper samples with 50 DPM-Solver steps: the profile's "quality" setting.
      steps: this.settings.sampleSteps.quality,
    });
    if (generated.images.length !== scenes.length * imagesPerPrompt) {
      throw new Error(`the tuner drew ${generated.images.length} images for ${scenes.length} prompts × ${imagesPerPrompt}`);
    }

    log(`  ${subject.name}: scoring ${generated.images.length} images`);
    const refs = await scorers.embedReferences(pngs);
    const images: ScoredImage[] = [];
    for (const [index, image] of generated.images.entries()) {
      const scene = scenes[Math.floor(index / imagesPerPrompt)]!;
      if (scene.kind === "custom") throw new Error(`scene ${scene.id} is custom; the evaluation uses the 20 paper scenes`);
      const prompt = scoringPrompt(subject.classNoun, scene.text);
      images.push({
        subject: subject.name,
        classNoun: subject.classNoun,
        sceneId: scene.id,
        sceneKind: scene.kind,
        prompt,
        seed: image.seed,
        textEncoderSteps,
        image: image.path,
        scores: await scorers.scoreCandidate(image.path, prompt, refs),
      });
    }
    return {
      images,
      training: { subject: subject.name, textEncoderSteps, unetSteps: trained.steps.unet, reused: trained.reused === true, elapsedS: trained.elapsed_s },
    };
  }
}
