export { prepareUpscaler } from "./upscaler";
export type { OutputFormat, PrepareUpscalerOptions, UpscaleResult, UpscaleToOptions, Upscaler } from "./upscaler";
export { readFinetunedModel } from "./finetuned";
export type { FinetunedModel } from "./finetuned";
export { ensureEsrganOnnx, esrganOnnxPath, ESRGAN_PACKAGES, SCALES, TIERS } from "./models";
export type { EnsuredModel, Scale, Tier } from "./models";
export { DEFAULT_TILE_OPTIONS, planTiles } from "./tiling";
export type { TileOptions } from "./tiling";
export { convertLayersModel, UnsupportedLayerError } from "./convert";
