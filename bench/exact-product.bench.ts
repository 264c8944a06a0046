/**
 * Seconds per exact-product image on this CPU, `tiny` profile, fast lane (issue #19): the layer
 * (the packshot's matte, the product placed per scene), the tuner's generate with the layers and no
 * weights (the base model), and ESRGAN to 2048 px with the paste-back of the photo's own pixels.
 * Baseline in the same run: the same images' generate and upscale without the app's exact-product
 * work (layers made, pixels pasted back), so the ratio is what that work adds. The GPU figure of the
 * model's side is the tuner bench's (bench/results/gpu-*.md).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { config, projectRoot } from "../lib/config";
import { exactLayer, pasteBack, productAspect, productSource } from "../lib/images/exact-product";
import { placeProduct } from "../lib/images/placement";
import { TRAINING_SIZE } from "../lib/images/prepare-photo";
import { sceneById } from "../lib/scenes";
import { sharedUpscaler, closeModels } from "../worker/models";
import { closeTuners, runTuner, tunerEnv } from "../worker/tuner-pool";
import { figure, timed, type Figure } from "./figure";

const SCENES = ["g3", "g7", "s17"].map((id) => sceneById(id));
const PUBLISHED = 2048;

export default async function benchExactProduct(log: (line: string) => void = console.log): Promise<Figure[]> {
  const cfg = config();
  const workDir = await mkdtemp(path.join(os.tmpdir(), "exact-bench-"));
  try {
    const photo = await readFile(path.join(projectRoot, "tests", "fixtures", "packshots", "carton-0.png"));
    const generate = (layers: string[], outputDir: string) =>
      runTuner({
        mode: "resident",
        python: cfg.python,
        command: "generate",
        timeoutMs: cfg.tunerTimeoutMs,
        workDir,
        env: tunerEnv(cfg),
        spec: {
          profile: "tiny",
          outputDir: path.join(workDir, outputDir),
          classNoun: "box",
          seed: 1,
          weights: null,
          scenes: SCENES.map((s) => s.text),
          layers,
          numImages: 1,
        },
      });
    const upscaler = await sharedUpscaler();

    // The app's side before the tuner: the matte, then a layer per scene.
    const layerRun = await timed(async () => {
      const source = await productSource(photo);
      const placements = SCENES.map((s) => placeProduct(s.kind, productAspect(source)));
      const files = [];
      for (const [i, placement] of placements.entries()) {
        const file = path.join(workDir, `layer-${i}.png`);
        await writeFile(file, await exactLayer(source, placement, TRAINING_SIZE));
        files.push(file);
      }
      return { source, placements, files };
    });
    const { source, placements, files } = layerRun.result;
    log(`exact-product bench: ${SCENES.length} images, tiny profile, warming the tuner up`);
    await generate(files, "warm-up");
    const generated = await timed(() => generate(files, "measured"));
    const images = await Promise.all(generated.result.images.map((image) => readFile(image.path)));
    const plain = await timed(async () => {
      for (const image of images) await upscaler.upscaleTo(image, { size: PUBLISHED, format: "jpeg" });
    });
    const pasted = await timed(async () => {
      for (const [i, image] of images.entries())
        await upscaler.upscaleTo(image, {
          size: PUBLISHED,
          format: "jpeg",
          compose: (rgb, width) => pasteBack(rgb, width, source, placements[i]!),
        });
    });
    const n = SCENES.length;
    const value = (layerRun.ms + generated.ms + pasted.ms) / n / 1000;
    const baselineValue = (generated.ms + plain.ms) / n / 1000;
    log(
      `exact-product bench: layers ${(layerRun.ms / n).toFixed(0)} ms, generate ${(generated.ms / n).toFixed(0)} ms, ` +
        `upscale ${(plain.ms / n).toFixed(0)} ms, with paste-back ${(pasted.ms / n).toFixed(0)} ms per image`,
    );
    return [
      figure({
        name: "seconds per exact-product image, tiny profile on CPU, fast lane (layer + generate + ESRGAN to 2048 px + paste-back)",
        value,
        unit: "s",
        baseline: "the same images' generate + ESRGAN to 2048 px, without the layers' making and the paste-back",
        baselineValue,
        goal: "the exact-product work adds little to the image's model time (ratio near 1)",
      }),
    ];
  } finally {
    await closeTuners();
    await closeModels();
    await rm(workDir, { recursive: true, force: true });
  }
}
