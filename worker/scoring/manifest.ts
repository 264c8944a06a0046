import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { ModelFilesError } from "./errors";
import type { PreprocessSpec } from "./preprocess";

export const MANIFEST_FORMAT = "scenebooth-scoring-models";
export const MANIFEST_VERSION = 1;

export interface TextSpec {
  maxLength: number;
  padTokenId: number;
}

export interface ScoringManifest {
  format: typeof MANIFEST_FORMAT;
  version: number;
  profile: string;
  models: {
    dino: { source: string; files: { vision: string }; preprocess: PreprocessSpec };
    clip: {
      source: string;
      files: { vision: string; text: string; tokenizer: string };
      preprocess: PreprocessSpec;
      text: TextSpec;
    };
    blip: {
      source: string;
      files: { vision: string; text: string; itm: string; tokenizer: string };
      preprocess: PreprocessSpec;
      text: TextSpec;
    };
  };
  files: Record<string, { sha256: string; bytes: number }>;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Reads `<dir>/manifest.json` and checks that every listed file is there with its size and, when
 * `verifyChecksums`, its sha256. Returns the manifest and a digest that identifies this export
 * (stored with cached reference embeddings, so embeddings of another export are never mixed in).
 */
export async function readManifest(
  dir: string,
  verifyChecksums = true,
): Promise<{ manifest: ScoringManifest; digest: string }> {
  const file = path.join(dir, "manifest.json");
  let raw: string;
  try {
    raw = await fs.readFile(file, "utf8");
  } catch {
    throw new ModelFilesError(
      `scoring models not found: ${file} is missing (run \`npm run setup\` or scripts/prepare-models.mjs)`,
    );
  }
  const manifest = JSON.parse(raw) as ScoringManifest;
  if (manifest.format !== MANIFEST_FORMAT || manifest.version !== MANIFEST_VERSION) {
    throw new ModelFilesError(`${file} is not a ${MANIFEST_FORMAT} v${MANIFEST_VERSION} manifest`);
  }
  for (const model of Object.values(manifest.models)) {
    for (const name of Object.values(model.files)) {
      if (!manifest.files[name]) throw new ModelFilesError(`${file} lists ${name} without a checksum`);
    }
  }
  for (const [name, expected] of Object.entries(manifest.files)) {
    const target = path.join(dir, name);
    const stat = await fs.stat(target).catch(() => undefined);
    if (!stat?.isFile()) throw new ModelFilesError(`scoring model file missing: ${target}`);
    if (stat.size !== expected.bytes)
      throw new ModelFilesError(`scoring model file ${target} has ${stat.size} bytes, expected ${expected.bytes}`);
    if (verifyChecksums && (await sha256File(target)) !== expected.sha256) {
      throw new ModelFilesError(`scoring model file ${target} does not match its sha256 in the manifest`);
    }
  }
  const digest = createHash("sha256").update(raw).digest("hex").slice(0, 16);
  return { manifest, digest };
}
