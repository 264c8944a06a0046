import fs from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ESRGAN_PACKAGES, sourceModelJson, type Scale, type Tier } from "./models";

/**
 * The TF.js reference for the converter (tests) and the benchmark baseline: the package's own
 * model definition (its custom layers registered by its setup()) on @tensorflow/tfjs's CPU backend.
 */

const require = createRequire(import.meta.url);
// Custom layer classes are registered per tier and scale (PixelShuffle<N>x depends on the scale).
const registered = new Set<string>();

interface ModelDefinition {
  setup?: (t: typeof tf) => void;
  inputRange: [number, number];
  outputRange: [number, number];
  scale: number;
}

export function modelDefinition(tier: Tier, scale: Scale): ModelDefinition {
  return require(`${ESRGAN_PACKAGES[tier].name}/${scale}x`) as ModelDefinition;
}

export async function loadTfjsModel(
  tier: Tier,
  scale: Scale,
): Promise<{ model: tf.LayersModel; definition: ModelDefinition }> {
  await tf.setBackend("cpu");
  const definition = modelDefinition(tier, scale);
  if (!registered.has(`${tier}-${scale}`)) {
    definition.setup?.(tf);
    registered.add(`${tier}-${scale}`);
  }
  const modelJsonPath = sourceModelJson(tier, scale);
  const json = JSON.parse(await fs.readFile(modelJsonPath, "utf8")) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const shards = await Promise.all(
    json.weightsManifest.flatMap((g) => g.paths).map((p) => fs.readFile(path.join(path.dirname(modelJsonPath), p))),
  );
  const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData,
    }),
  );
  return { model, definition };
}

/** Runs the TF.js model on an NCHW float tile in [0, 1]; returns NCHW in [0, 1] (not clipped). */
export function predictTfjs(
  loaded: { model: tf.LayersModel; definition: ModelDefinition },
  chw: Float32Array,
  width: number,
  height: number,
): Float32Array {
  const inScale = loaded.definition.inputRange[1];
  const outScale = loaded.definition.outputRange[1];
  return tf.tidy(() => {
    const nchw = tf.tensor4d(chw, [1, 3, height, width]);
    const nhwc = tf.transpose(nchw, [0, 2, 3, 1]).mul(inScale);
    const y = loaded.model.predict(nhwc) as tf.Tensor4D;
    return tf.transpose(y, [0, 3, 1, 2]).div(outScale).dataSync() as Float32Array;
  });
}
