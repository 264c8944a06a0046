import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../../lib/config";
import { TUNING_SETTINGS } from "../../lib/pipeline/tuning-settings";
import { identifierToken, scoringPrompt } from "../../lib/prompts";
import type { Scene } from "../../lib/scenes";
import { preparePhoto } from "../../lib/images/prepare-photo";
import type { Scorers } from "../../worker/scoring";
import { resultFromWire, type TunerCommand, type TunerResult, type TunerSpec } from "../../worker/tuner-contract";
import { runTuner } from "../../worker/tuner-pool";
import type { ScoredImage } from "./stats";
import type { EvalSubject } from "./subjects";
import type { TrainOverrides } from "./variants";

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
  variant?: string;
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
  private captions?: TunerResult<"caption">;

  constructor(private readonly o: SubjectRunOptions) {
    this.settings = TUNING_SETTINGS[o.cfg.modelProfile];
    this.common = {
      profile: o.cfg.modelProfile,
      classNoun: o.subject.classNoun,
      identifier: identifierToken(o.subject.classNoun),
      seed: 0,
    };
  }

  /** The profile's own text-encoder steps (the paper's 200 on sd21). */
  get defaultTextEncoderSteps(): number {
    return this.settings.steps.textEncoder;
  }

  private tuner<C extends TunerCommand>(command: C, spec: TunerSpec<C>): Promise<TunerResult<C>> {
    return runTuner({
      mode: this.o.cfg.tunerMode,
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

  private async caption(): Promise<TunerResult<"caption">> {
    if (this.captions) return this.captions;
    const { paths } = await this.prepare();
    const outputDir = path.join(this.o.workDir, "captions");
    const saved = path.join(outputDir, "result.json");
    if (existsSync(saved)) {
      const previous = resultFromWire("caption", JSON.parse(await readFile(saved, "utf8")));
      if (previous.captions.map((c) => c.image).join("\n") === paths.join("\n")) return (this.captions = previous);
    }
    this.o.log(`  ${this.o.subject.name}: captioning ${paths.length} photos`);
    return (this.captions = await this.tuner("caption", { ...this.common, outputDir: outputDir, images: paths }));
  }

  /**
   * Tunes with `textEncoderSteps` (UNet steps raised to at least as many), draws and scores every
   * scene. A recipe `variant` changes the train spec; its runs have their own folders.
   */
  async evaluate(
    textEncoderSteps: number,
    variant?: { name: string; train: TrainOverrides },
  ): Promise<{ images: ScoredImage[]; training: TrainingRecord }> {
    const { subject, cfg, scorers, scenes, imagesPerPrompt, log } = this.o;
    const { pngs } = await this.prepare();
    const captions = await this.caption();
    const steps = {
      ...this.settings.steps,
      textEncoder: textEncoderSteps,
      unet: Math.max(this.settings.steps.unet, textEncoderSteps),
    };
    const tag = variant ? `${variant.name}-` : "";
    log(
      `  ${subject.name}: tuning${variant ? ` ${variant.name}` : ""} (UNet ${steps.unet} steps, text encoder ${steps.textEncoder})`,
    );
    const trained = await this.tuner("train", {
      ...this.common,
      outputDir: path.join(this.o.workDir, `train-${tag}te${textEncoderSteps}`),
      cacheDir: path.join(cfg.workDir, "class-images"),
      mode: cfg.modelProfile === "sd21" ? "full" : "lora",
      steps,
      checkpointEvery: this.settings.checkpointEvery,
      instances: captions.captions.map((c) => ({ image: c.image, caption: c.caption })),
      ...variant?.train,
    });

    log(`  ${subject.name}: generating ${scenes.length} prompts × ${imagesPerPrompt}`);
    const generated = await this.tuner("generate", {
      ...this.common,
      outputDir: path.join(this.o.workDir, `images-${tag}te${textEncoderSteps}-n${imagesPerPrompt}`),
      weights: trained.artifact,
      scenes: scenes.map((s) => s.text),
      numImages: imagesPerPrompt,
      // The paper's sampling: the tuner's recipe (50 DPM-Solver steps, about 20 for a simple subject);
      // the tiny profile's own few.
      steps: this.settings.sampleSteps?.quality,
    });
    if (generated.images.length !== scenes.length * imagesPerPrompt) {
      throw new Error(
        `the tuner drew ${generated.images.length} images for ${scenes.length} prompts × ${imagesPerPrompt}`,
      );
    }

    log(`  ${subject.name}: scoring ${generated.images.length} images`);
    const refs = await scorers.embedReferences(pngs);
    const images: ScoredImage[] = [];
    for (const [index, image] of generated.images.entries()) {
      const scene = scenes[Math.floor(index / imagesPerPrompt)]!;
      if (scene.kind === "custom")
        throw new Error(`scene ${scene.id} is custom; the evaluation uses the 20 paper scenes`);
      const prompt = scoringPrompt(subject.classNoun, scene.text);
      images.push({
        subject: subject.name,
        classNoun: subject.classNoun,
        sceneId: scene.id,
        sceneKind: scene.kind,
        prompt,
        seed: image.seed,
        textEncoderSteps,
        ...(variant ? { variant: variant.name } : {}),
        image: image.path,
        scores: await scorers.scoreCandidate(image.path, prompt, refs),
      });
    }
    return {
      images,
      training: {
        subject: subject.name,
        ...(variant ? { variant: variant.name } : {}),
        textEncoderSteps,
        unetSteps: trained.steps.unet,
        reused: trained.reused === true,
        elapsedS: trained.elapsedS,
      },
    };
  }
}
