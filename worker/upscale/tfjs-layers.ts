import fs from "node:fs/promises";
import path from "node:path";
import { ModelFilesError } from "../scoring/errors";

/** One Keras layer of a TF.js "layers-model" topology. */
export interface KerasLayer {
  class_name: string;
  name: string;
  config: Record<string, unknown> & { name: string };
  /** [[[inboundLayer, nodeIndex, tensorIndex, kwargs], ...]] */
  inbound_nodes: [string, number, number, unknown][][];
}

export interface LayersModel {
  layers: KerasLayer[];
  inputs: string[];
  outputs: string[];
  weights: Map<string, { shape: number[]; data: Float32Array }>;
}

interface ModelJson {
  format?: string;
  modelTopology?: {
    model_config?: {
      class_name?: string;
      config?: { layers: KerasLayer[]; input_layers: unknown[][]; output_layers: unknown[][] };
    };
  };
  weightsManifest?: {
    paths: string[];
    weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[];
  }[];
}

/** The files a layers model is made of (model.json first, then its weight shards), for checksums. */
export async function layersModelFiles(modelJsonPath: string): Promise<string[]> {
  const json = JSON.parse(await fs.readFile(modelJsonPath, "utf8")) as ModelJson;
  const dir = path.dirname(modelJsonPath);
  return [modelJsonPath, ...(json.weightsManifest ?? []).flatMap((g) => g.paths.map((p) => path.join(dir, p)))];
}

/** Reads a TF.js layers model (model.json + binary weight shards) into topology and float32 weights. */
export async function readLayersModel(modelJsonPath: string): Promise<LayersModel> {
  let json: ModelJson;
  try {
    json = JSON.parse(await fs.readFile(modelJsonPath, "utf8")) as ModelJson;
  } catch (error) {
    throw new ModelFilesError(`TF.js model ${modelJsonPath} could not be read: ${(error as Error).message}`);
  }
  const config = json.modelTopology?.model_config;
  if (json.format !== "layers-model" || !config?.config || !json.weightsManifest) {
    throw new ModelFilesError(`${modelJsonPath} is not a TF.js layers-model with weights`);
  }
  if (config.class_name !== "Functional" && config.class_name !== "Model") {
    throw new ModelFilesError(`${modelJsonPath}: only functional models are supported, got ${config.class_name}`);
  }
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  const dir = path.dirname(modelJsonPath);
  for (const group of json.weightsManifest) {
    const shards = await Promise.all(group.paths.map((p) => fs.readFile(path.join(dir, p))));
    const buffer = Buffer.concat(shards);
    let offset = 0;
    for (const spec of group.weights) {
      if (spec.dtype !== "float32" || spec.quantization) {
        throw new ModelFilesError(
          `${modelJsonPath}: weight ${spec.name} is ${spec.dtype}${spec.quantization ? " (quantized)" : ""}; only float32 is supported`,
        );
      }
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const bytes = count * 4;
      if (offset + bytes > buffer.length)
        throw new ModelFilesError(`${modelJsonPath}: weight shards are shorter than the manifest`);
      const data = new Float32Array(count);
      Buffer.from(data.buffer).set(buffer.subarray(offset, offset + bytes));
      weights.set(spec.name, { shape: spec.shape, data });
      offset += bytes;
    }
    if (offset !== buffer.length)
      throw new ModelFilesError(`${modelJsonPath}: weight shards are longer than the manifest`);
  }
  const names = (refs: unknown[][]) => refs.map((r) => String(r[0]));
  return {
    layers: config.config.layers,
    inputs: names(config.config.input_layers),
    outputs: names(config.config.output_layers),
    weights,
  };
}
