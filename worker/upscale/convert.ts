import { ModelFilesError } from "../scoring/errors";
import { OnnxGraph } from "./onnx-graph";
import type { KerasLayer, LayersModel } from "./tfjs-layers";

/** A layer type the converter does not know: the model needs a converter update, not a retry. */
export class UnsupportedLayerError extends Error {
  override name = "UnsupportedLayerError";
}

export interface ConvertOptions {
  /** The value range the TF.js model expects and produces: 1 for [0, 1], 255 for [0, 255]. */
  range: 1 | 255;
  metadata?: Record<string, string>;
}

const INPUT = "input";
const OUTPUT = "output";

/**
 * Converts a Keras/TF.js functional super-resolution model (NHWC) into an ONNX graph (NCHW) whose
 * input and output are RGB in [0, 1]: Conv2D, Concatenate, Add, Activation (relu/linear),
 * MultiplyBeta, PixelShuffle<N>x (depth-to-space, DCR order as tf.depthToSpace) and
 * UpSampling2D (nearest). Anything else raises UnsupportedLayerError.
 */
export function convertLayersModel(model: LayersModel, options: ConvertOptions): Uint8Array {
  const g = new OnnxGraph();
  const tensorOf = new Map<string, string>();
  const channelsOf = new Map<string, number>();
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new UnsupportedLayerError(
      `expected one input and one output, got ${model.inputs.length} and ${model.outputs.length}`,
    );
  }

  const inputsOf = (layer: KerasLayer): string[] => {
    if (layer.inbound_nodes.length !== 1)
      throw new UnsupportedLayerError(`${layer.name}: shared layers are not supported`);
    return layer.inbound_nodes[0]!.map(([name, nodeIndex, tensorIndex]) => {
      if (nodeIndex !== 0 || tensorIndex !== 0)
        throw new UnsupportedLayerError(`${layer.name}: multi-output inbound ${name} not supported`);
      const tensor = tensorOf.get(name);
      if (!tensor) throw new UnsupportedLayerError(`${layer.name}: input ${name} is not defined before it`);
      return tensor;
    });
  };
  const single = (layer: KerasLayer) => {
    const inputs = inputsOf(layer);
    if (inputs.length !== 1) throw new UnsupportedLayerError(`${layer.name}: expected one input, got ${inputs.length}`);
    return inputs[0]!;
  };
  const scaled = (tensor: string, factor: number, name: string) =>
    g.node("Mul", [tensor, g.constant(g.fresh(`${name}_factor`), [], new Float32Array([factor]))], g.fresh(name));
  const channels = (tensor: string) => {
    const c = channelsOf.get(tensor);
    if (c === undefined) throw new UnsupportedLayerError(`channel count of ${tensor} is unknown`);
    return c;
  };

  for (const layer of model.layers) {
    const cfg = layer.config;
    let out: string;
    let outChannels: number;
    switch (layer.class_name) {
      case "InputLayer": {
        const shape = cfg.batch_input_shape as (number | null)[];
        outChannels = shape[3] ?? 3;
        const input = g.fresh(INPUT);
        channelsOf.set(input, outChannels);
        out = options.range === 1 ? input : scaled(input, options.range, "input_scaled");
        break;
      }
      case "Conv2D": {
        const x = single(layer);
        out = conv2d(g, layer, x, channels(x), model.weights);
        outChannels = cfg.filters as number;
        break;
      }
      case "Activation": {
        const x = single(layer);
        out = activation(g, layer.name, x, cfg.activation as string);
        outChannels = channels(x);
        break;
      }
      case "Concatenate": {
        const inputs = inputsOf(layer);
        const axis = cfg.axis as number;
        if (axis !== -1 && axis !== 3)
          throw new UnsupportedLayerError(`${layer.name}: concatenation on axis ${axis} (only channels)`);
        out = g.node("Concat", inputs, layer.name, { axis: 1 });
        outChannels = inputs.reduce((s, t) => s + channels(t), 0);
        break;
      }
      case "Add": {
        const inputs = inputsOf(layer);
        out = g.node(inputs.length === 2 ? "Add" : "Sum", inputs, layer.name);
        outChannels = channels(inputs[0]!);
        break;
      }
      case "MultiplyBeta": {
        // UpscalerJS's MultiplyBeta layer multiplies by beta (0.2 in its RRDN blocks).
        const x = single(layer);
        out = g.node(
          "Mul",
          [x, g.constant(`${layer.name}_beta`, [], new Float32Array([(cfg.beta as number | undefined) ?? 0.2]))],
          layer.name,
        );
        outChannels = channels(x);
        break;
      }
      case "UpSampling2D": {
        const x = single(layer);
        const [sh, sw] = cfg.size as [number, number];
        if (cfg.interpolation !== "nearest")
          throw new UnsupportedLayerError(`${layer.name}: ${String(cfg.interpolation)} upsampling`);
        const scales = g.constant(`${layer.name}_scales`, [4], new Float32Array([1, 1, sh, sw]));
        out = g.node("Resize", [x, "", scales], layer.name, {
          mode: "nearest",
          coordinate_transformation_mode: "asymmetric",
          nearest_mode: "floor",
        });
        outChannels = channels(x);
        break;
      }
      default: {
        const shuffle = /^PixelShuffle(\d+)x$/.exec(layer.class_name);
        if (!shuffle) throw new UnsupportedLayerError(`layer ${layer.name}: ${layer.class_name} is not supported`);
        const x = single(layer);
        const scale = (cfg.scale as number | undefined) ?? Number(shuffle[1]);
        // tf.depthToSpace(NHWC) takes channel (i * scale + j) * C + c: ONNX DepthToSpace in DCR mode.
        out = g.node("DepthToSpace", [x], layer.name, { blocksize: scale, mode: "DCR" });
        outChannels = channels(x) / (scale * scale);
      }
    }
    tensorOf.set(layer.name, out);
    channelsOf.set(out, outChannels);
  }

  const last = tensorOf.get(model.outputs[0]!);
  if (!last) throw new ModelFilesError(`output layer ${model.outputs[0]} not found`);
  const outputChannels = channels(last);
  if (options.range === 1) {
    g.node("Identity", [last], OUTPUT);
  } else {
    g.node("Mul", [last, g.constant("output_factor", [], new Float32Array([1 / options.range]))], OUTPUT);
  }
  return g.encode({ input: INPUT, output: OUTPUT, inputChannels: 3, outputChannels, metadata: options.metadata ?? {} });
}

function activation(g: OnnxGraph, name: string, x: string, kind: string): string {
  if (kind === "linear") return g.node("Identity", [x], name);
  if (kind === "relu") return g.node("Relu", [x], name);
  if (kind === "sigmoid") return g.node("Sigmoid", [x], name);
  if (kind === "tanh") return g.node("Tanh", [x], name);
  throw new UnsupportedLayerError(`activation ${kind} is not supported (${name})`);
}

function conv2d(
  g: OnnxGraph,
  layer: KerasLayer,
  x: string,
  inChannels: number,
  weights: LayersModel["weights"],
): string {
  const cfg = layer.config;
  const [kh, kw] = cfg.kernel_size as [number, number];
  const strides = cfg.strides as [number, number];
  const dilation = (cfg.dilation_rate as [number, number] | undefined) ?? [1, 1];
  const groups = (cfg.groups as number | undefined) ?? 1;
  if (cfg.data_format !== "channels_last") throw new UnsupportedLayerError(`${layer.name}: ${String(cfg.data_format)}`);
  if (strides[0] !== 1 || strides[1] !== 1) throw new UnsupportedLayerError(`${layer.name}: strided convolution`);
  let pads = [0, 0, 0, 0];
  if (cfg.padding === "same") {
    const eh = dilation[0] * (kh - 1);
    const ew = dilation[1] * (kw - 1);
    // TF puts the odd pixel of "same" padding at the end.
    pads = [Math.floor(eh / 2), Math.floor(ew / 2), eh - Math.floor(eh / 2), ew - Math.floor(ew / 2)];
  } else if (cfg.padding !== "valid") {
    throw new UnsupportedLayerError(`${layer.name}: padding ${String(cfg.padding)}`);
  }
  const kernel = weights.get(`${cfg.name}/kernel`);
  if (!kernel) throw new ModelFilesError(`weights for ${cfg.name}/kernel are missing`);
  const [h, w, cin, cout] = kernel.shape as [number, number, number, number];
  if (h !== kh || w !== kw || cin * groups !== inChannels || cout !== cfg.filters) {
    throw new ModelFilesError(
      `${cfg.name}/kernel has shape ${kernel.shape.join("x")}, not ${kh}x${kw}x${inChannels / groups}x${String(cfg.filters)}`,
    );
  }
  // HWIO -> OIHW
  const oihw = new Float32Array(kernel.data.length);
  for (let y = 0; y < h; y++)
    for (let xx = 0; xx < w; xx++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++)
          oihw[((o * cin + i) * h + y) * w + xx] = kernel.data[((y * w + xx) * cin + i) * cout + o]!;
  const inputs = [x, g.constant(`${cfg.name}_W`, [cout, cin, h, w], oihw)];
  if (cfg.use_bias !== false) {
    const bias = weights.get(`${cfg.name}/bias`);
    if (!bias) throw new ModelFilesError(`weights for ${cfg.name}/bias are missing`);
    inputs.push(g.constant(`${cfg.name}_B`, [cout], bias.data));
  }
  const conv = g.node(
    "Conv",
    inputs,
    cfg.activation && cfg.activation !== "linear" ? g.fresh(`${layer.name}_conv`) : layer.name,
    {
      kernel_shape: [kh, kw],
      strides: [1, 1],
      dilations: dilation,
      pads,
      group: groups,
    },
  );
  return cfg.activation && cfg.activation !== "linear"
    ? activation(g, layer.name, conv, cfg.activation as string)
    : conv;
}
