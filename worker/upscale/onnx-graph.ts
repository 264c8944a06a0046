import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

export const OPSET = 13;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

/** Integers, integer lists and strings: all the ESRGAN ops need. */
type Attribute = number | string | number[];

/** A minimal builder for an ONNX graph of float32 tensors, serialised with onnx-proto (protobufjs). */
export class OnnxGraph {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly names = new Set<string>();

  /** A constant float32 tensor; returns its name. */
  constant(name: string, dims: number[], data: Float32Array): string {
    this.claim(name);
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims,
        dataType: FLOAT,
        rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
      }),
    );
    return name;
  }

  node(opType: string, inputs: string[], output: string, attributes: Record<string, Attribute> = {}): string {
    this.claim(output);
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        name: output,
        input: inputs,
        output: [output],
        attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
      }),
    );
    return output;
  }

  /** A name for an intermediate tensor derived from `base`, unique in the graph. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    return name;
  }

  /** Serialised ModelProto with one NCHW float input and output ([batch, channels, height, width]). */
  encode(opts: {
    input: string;
    output: string;
    inputChannels: number;
    outputChannels: number;
    metadata: Record<string, string>;
  }): Uint8Array {
    const nchw = (name: string, channels: number, h: string, w: string) =>
      onnx.ValueInfoProto.create({
        name,
        type: {
          tensorType: {
            elemType: FLOAT,
            shape: { dim: [{ dimParam: "batch" }, { dimValue: channels }, { dimParam: h }, { dimParam: w }] },
          },
        },
      });
    const model = onnx.ModelProto.create({
      irVersion: 7,
      opsetImport: [{ domain: "", version: OPSET }],
      producerName: "scenebooth-esrgan-converter",
      producerVersion: "1",
      metadataProps: Object.entries(opts.metadata).map(([key, value]) => ({ key, value })),
      graph: {
        name: "esrgan",
        node: this.nodes,
        initializer: this.initializers,
        input: [nchw(opts.input, opts.inputChannels, "height", "width")],
        output: [nchw(opts.output, opts.outputChannels, "out_height", "out_width")],
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  private claim(name: string) {
    if (this.names.has(name)) throw new Error(`duplicate tensor name ${name}`);
    this.names.add(name);
  }
}

function attribute(name: string, value: Attribute) {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === "string")
    return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(value) });
  if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: value });
  if (!Number.isInteger(value)) throw new Error(`attribute ${name}: only integer numbers are used here, got ${value}`);
  return onnx.AttributeProto.create({ name, type: T.INT, i: value });
}
