import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { Scale, Tier } from "../worker/upscale/models";
import { loadTfjsModel, modelDefinition } from "../worker/upscale/tfjs-reference";

/**
 * UpscalerJS's own TF.js upscaling path (its Upscaler class: model setup, patching, range
 * scaling, clipping) with the same weights, on @tensorflow/tfjs's CPU backend. The package's Node
 * entry needs @tensorflow/tfjs-node (a native binary downloaded at install), so the Upscaler is
 * assembled from the package's own shared and node modules with the pure-JS tfjs instead.
 */
const require = createRequire(import.meta.url);

export interface UpscalerJs {
  upscale(rgb: Uint8Array, width: number, height: number): Promise<Uint8Array>;
  dispose(): Promise<void>;
}

export async function createUpscalerJs(tier: Tier, scale: Scale): Promise<UpscalerJs> {
  await tf.setBackend("cpu");
  const src = path.resolve(path.dirname(require.resolve("upscaler/node")), "..", "..");
  const { getUpscaler } = require(path.join(src, "shared", "index.js"));
  const { getUpscaleOptions } = require(path.join(src, "node", "args.node.js"));
  const { getImageAsTensor, tensorAsBase64, checkValidEnvironment } = require(path.join(src, "node", "image.node.js"));
  // Same as the package's node loadModel, except that weights are read from the package folder
  // through tf.io.fromMemory (pure tfjs cannot open file:// URLs).
  const loadModel = async (_tf: typeof tf, definition: Promise<unknown>) => {
    const modelDefinition = await definition;
    const { model } = await loadTfjsModel(tier, scale);
    return { model, modelDefinition };
  };
  const Upscaler = getUpscaler({
    tf,
    getUpscaleOptions,
    loadModel,
    getImageAsTensor,
    tensorAsBase64,
    checkValidEnvironment,
  });
  const upscaler = new Upscaler({ model: modelDefinition(tier, scale) });
  await upscaler.ready;
  return {
    async upscale(rgb, width, height) {
      const input = tf.tensor3d(Int32Array.from(rgb), [height, width, 3], "int32");
      const output = (await upscaler.execute(input, { output: "tensor" })) as tf.Tensor;
      const data = Uint8Array.from(await output.data());
      output.dispose();
      input.dispose();
      return data;
    },
    dispose: () => upscaler.dispose(),
  };
}
