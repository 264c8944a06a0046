import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { ModelFilesError } from "../scoring/errors";
import { sha256File } from "../scoring/manifest";
import { convertLayersModel } from "./convert";
import { layersModelFiles, readLayersModel } from "./tfjs-layers";

export type Tier = "thick" | "medium";
export type Scale = 2 | 3 | 4 | 8;
export const TIERS: readonly Tier[] = ["thick", "medium"];
export const SCALES: readonly Scale[] = [2, 3, 4, 8];

/**
 * UpscalerJS's pretrained ESRGAN weights (MIT, trained on DIV2K), installed from npm:
 * thick = RRDN (C4 D3 G32 G0 64 T10), medium = RDN (C1 D10 G64 G0 64). Their TF.js model
 * definitions say which pixel range each expects: RRDN [0, 1], RDN [0, 255].
 */
export const ESRGAN_PACKAGES: Record<Tier, { name: string; range: 1 | 255 }> = {
  thick: { name: "@upscalerjs/esrgan-thick", range: 1 },
  medium: { name: "@upscalerjs/esrgan-medium", range: 255 },
};

/** Bump when the converter's output changes, so cached ONNX files are rebuilt. */
export const CONVERTER_VERSION = 1;

const require = createRequire(import.meta.url);

export function assertTierScale(tier: string, scale: number): asserts tier is Tier {
  if (!TIERS.includes(tier as Tier))
    throw new ModelFilesError(`ESRGAN tier must be one of ${TIERS.join(", ")}, got "${tier}"`);
  if (!SCALES.includes(scale as Scale))
    throw new ModelFilesError(`ESRGAN scale must be one of ${SCALES.join(", ")}, got ${scale}`);
}

/** The installed package folder (its "exports" map hides package.json, so walk up from the entry). */
export function packageDir(tier: Tier): { dir: string; version: string } {
  const { name } = ESRGAN_PACKAGES[tier];
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new ModelFilesError(`${name} is not installed (npm install)`);
  }
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const pkg = require(path.join(dir, "package.json")) as { name?: string; version?: string };
      if (pkg.name === name) return { dir, version: pkg.version ?? "?" };
    } catch {
      // keep walking up
    }
  }
  throw new ModelFilesError(`could not locate the folder of ${name}`);
}

export function sourceModelJson(tier: Tier, scale: Scale): string {
  return path.join(packageDir(tier).dir, "models", `x${scale}`, "model.json");
}

export function esrganOnnxPath(modelsDir: string, tier: Tier, scale: Scale): string {
  return path.join(modelsDir, "esrgan", `esrgan-${tier}-x${scale}.onnx`);
}

interface Sidecar {
  source: string;
  sourceSha256: string;
  converterVersion: number;
  onnxSha256: string;
  bytes: number;
}

async function sourceDigest(modelJson: string): Promise<string> {
  const hash = createHash("sha256");
  for (const file of await layersModelFiles(modelJson))
    hash.update(`${path.basename(file)}:${await sha256File(file)}\n`);
  return hash.digest("hex");
}

export interface EnsuredModel {
  path: string;
  sha256: string;
  /** True when an existing, verified conversion was reused. */
  cached: boolean;
}

/**
 * The ONNX conversion of one ESRGAN tier/scale under `<modelsDir>/esrgan/`, converted from the npm
 * package's TF.js weights when missing or stale. A sidecar JSON records the source and output
 * checksums; a cached file whose checksum no longer matches is converted again.
 */
export async function ensureEsrganOnnx(opts: {
  modelsDir: string;
  tier: Tier;
  scale: Scale;
  log?: (line: string) => void;
}): Promise<EnsuredModel> {
  assertTierScale(opts.tier, opts.scale);
  const target = esrganOnnxPath(opts.modelsDir, opts.tier, opts.scale);
  const sidecarPath = `${target}.json`;
  const modelJson = sourceModelJson(opts.tier, opts.scale);
  const { version } = packageDir(opts.tier);
  const source = `${ESRGAN_PACKAGES[opts.tier].name}@${version}/models/x${opts.scale}`;
  const sourceSha256 = await sourceDigest(modelJson);

  const existing = await fs
    .readFile(sidecarPath, "utf8")
    .then((raw) => JSON.parse(raw) as Sidecar)
    .catch(() => undefined);
  if (existing && existing.sourceSha256 === sourceSha256 && existing.converterVersion === CONVERTER_VERSION) {
    const actual = await sha256File(target).catch(() => undefined);
    if (actual === existing.onnxSha256) return { path: target, sha256: actual, cached: true };
    opts.log?.(`${path.basename(target)} does not match its checksum; converting again`);
  }

  opts.log?.(`converting ${source} to ONNX`);
  const model = await readLayersModel(modelJson);
  const bytes = convertLayersModel(model, {
    range: ESRGAN_PACKAGES[opts.tier].range,
    metadata: { source, sourceSha256, tier: opts.tier, scale: String(opts.scale), license: "MIT (UpscalerJS)" },
  });
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  await fs.writeFile(tmp, bytes);
  await fs.rename(tmp, target);
  const onnxSha256 = createHash("sha256").update(bytes).digest("hex");
  const sidecar: Sidecar = {
    source,
    sourceSha256,
    converterVersion: CONVERTER_VERSION,
    onnxSha256,
    bytes: bytes.length,
  };
  await fs.writeFile(sidecarPath, JSON.stringify(sidecar, null, 2) + "\n");
  return { path: target, sha256: onnxSha256, cached: false };
}
