// A stand-in segmentation model that is sure of itself: an ONNX graph whose output is a fixed disc in
// the middle of the frame, whatever the photo (tests never fetch BiRefNet's weights, and the tiny
// profile's random graph hesitates everywhere, so its mattes are never trusted). Written as bytes
// here (ONNX is protobuf) so that no Python is needed; onnxruntime reads it like any export.
import { createHash } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { SEGMENTER_MANIFEST, type SegmenterManifest } from "../../lib/images/segment";

const varint = (value: number): Buffer => {
  const bytes: number[] = [];
  let v = value;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
};
const key = (field: number, wire: number) => varint((field << 3) | wire);
const int = (field: number, value: number) => Buffer.concat([key(field, 0), varint(value)]);
const bytesField = (field: number, value: Buffer | string) => {
  const b = typeof value === "string" ? Buffer.from(value) : value;
  return Buffer.concat([key(field, 2), varint(b.length), b]);
};
const message = (field: number, ...parts: Buffer[]) => bytesField(field, Buffer.concat(parts));

const FLOAT = 1;
/** ValueInfoProto of a float tensor. */
const valueInfo = (field: number, name: string, dims: number[]) =>
  message(
    field,
    bytesField(1, name),
    message(2, message(1, int(1, FLOAT), message(2, ...dims.map((d) => message(1, int(1, d)))))),
  );

/** The graph: output = Identity(disc logits); the photo input is declared and not read. */
function discGraph(side: number, input: string, output: string): Buffer {
  const logits = Buffer.alloc(side * side * 4);
  const [c, r] = [(side - 1) / 2, side * 0.3];
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++)
      logits.writeFloatLE((x - c) ** 2 + (y - c) ** 2 <= r * r ? 12 : -12, (y * side + x) * 4);
  const tensor = message(
    5,
    int(1, 1),
    int(1, 1),
    int(1, side),
    int(1, side),
    int(2, FLOAT),
    bytesField(8, "disc"),
    bytesField(9, logits),
  );
  const node = message(
    1,
    bytesField(1, "disc"),
    bytesField(2, output),
    bytesField(3, "identity"),
    bytesField(4, "Identity"),
  );
  const graph = message(
    7,
    node,
    bytesField(2, "disc-segmenter"),
    tensor,
    valueInfo(11, input, [1, 3, side, side]),
    valueInfo(12, output, [1, 1, side, side]),
  );
  return Buffer.concat([
    int(1, 8),
    bytesField(2, "scenebooth-tests"),
    graph,
    message(8, bytesField(1, ""), int(2, 17)),
  ]);
}

/** Writes the stand-in (segmenter.json and its graph) to a new folder and returns it (SCENEBOOTH_SEGMENTER_DIR). */
export async function discSegmenterDir(side = 64): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "disc-segmenter-"));
  const manifest: SegmenterManifest = {
    profile: "tiny",
    standIn: true,
    source: "a fixed disc (tests/harness/disc-segmenter.ts)",
    revision: null,
    license: null,
    file: "segmenter.onnx",
    sha256: "",
    input: "input_image",
    output: "output_image",
    side,
    outputIs: "logits",
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
  };
  const graph = discGraph(side, manifest.input, manifest.output);
  manifest.sha256 = createHash("sha256").update(graph).digest("hex");
  await writeFile(path.join(dir, manifest.file), graph);
  await writeFile(path.join(dir, SEGMENTER_MANIFEST), JSON.stringify(manifest, null, 2));
  return dir;
}
