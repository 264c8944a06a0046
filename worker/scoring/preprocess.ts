import type { RgbImage } from "./image-input";
import { resizeRgb, type Resample } from "./resample";

/** A model's image preprocessing, as written into the export manifest. */
export interface PreprocessSpec {
  /** Either the shortest edge (aspect kept) or an exact size. */
  resize: { shortestEdge: number } | { height: number; width: number };
  resample: Resample;
  centerCrop: { height: number; width: number } | null;
  rescale: number;
  mean: [number, number, number];
  std: [number, number, number];
}

/** Output size of the resize step, computed as Hugging Face's image processors do. */
export function resizeTarget(spec: PreprocessSpec, width: number, height: number): { width: number; height: number } {
  if ("shortestEdge" in spec.resize) {
    const s = spec.resize.shortestEdge;
    const long = Math.trunc((s * Math.max(width, height)) / Math.min(width, height));
    return width <= height ? { width: s, height: long } : { width: long, height: s };
  }
  return { width: spec.resize.width, height: spec.resize.height };
}

export function inputSize(spec: PreprocessSpec): { width: number; height: number } {
  if (spec.centerCrop) return spec.centerCrop;
  if ("shortestEdge" in spec.resize) throw new Error("a shortest-edge resize needs a center crop to give a fixed size");
  return spec.resize;
}

/** Resize -> center crop -> rescale -> normalize, into CHW float32 (one image of a batch). */
export function preprocess(image: RgbImage, spec: PreprocessSpec, out?: Float32Array, offset = 0): Float32Array {
  const target = resizeTarget(spec, image.width, image.height);
  const resized =
    target.width === image.width && target.height === image.height
      ? image.data
      : resizeRgb(image.data, image.width, image.height, target.width, target.height, spec.resample);
  const crop = spec.centerCrop ?? target;
  if (crop.width > target.width || crop.height > target.height) {
    throw new Error(
      `center crop ${crop.width}x${crop.height} is larger than the resized ${target.width}x${target.height}`,
    );
  }
  const top = Math.floor((target.height - crop.height) / 2);
  const left = Math.floor((target.width - crop.width) / 2);
  const plane = crop.width * crop.height;
  const result = out ?? new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const scale = spec.rescale / spec.std[c]!;
    const shift = spec.mean[c]! / spec.std[c]!;
    const base = offset + c * plane;
    for (let y = 0; y < crop.height; y++) {
      const srcRow = ((y + top) * target.width + left) * 3 + c;
      const dstRow = base + y * crop.width;
      for (let x = 0; x < crop.width; x++) {
        result[dstRow + x] = resized[srcRow + x * 3]! * scale - shift;
      }
    }
  }
  return result;
}

/** A batch [n, 3, h, w] of images preprocessed for one model. */
export function preprocessBatch(images: RgbImage[], spec: PreprocessSpec): { data: Float32Array; dims: number[] } {
  const { width, height } = inputSize(spec);
  const per = 3 * width * height;
  const data = new Float32Array(per * images.length);
  images.forEach((image, i) => preprocess(image, spec, data, i * per));
  return { data, dims: [images.length, 3, height, width] };
}
