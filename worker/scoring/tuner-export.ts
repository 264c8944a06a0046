import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { config } from "../../lib/config";

const exec = promisify(execFile);

/**
 * Runs `python -m scenebooth_tuner.export ...` in the tuner venv; throws with its stderr on failure.
 * Offline by default (tiny exports, references, benchmarks must never download anything); only the
 * real export, run on purpose where the hub is reachable, passes `offline: false`.
 */
export async function runExport(args: string[], timeoutMs = 600_000, { offline = true } = {}): Promise<string> {
  try {
    const { stdout } = await exec(config().python, ["-m", "scenebooth_tuner.export", ...args], {
      timeout: timeoutMs,
      maxBuffer: 64 << 20,
      env: {
        ...process.env,
        TQDM_DISABLE: "1",
        ...(offline ? { HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1" } : {}),
      },
    });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    const tail = (e.stderr ?? "").trim().split("\n").slice(-15).join("\n");
    throw new Error(`python -m scenebooth_tuner.export ${args[0]} failed: ${e.message}\n${tail}`);
  }
}

export interface ReferenceSpec {
  images: Record<string, string>;
  references: string[];
  candidates: { image: string; prompt: string }[];
}

export interface ReferenceResult {
  tokens: { clip: Record<string, number[]>; blip: Record<string, number[]> };
  embeddings: { dino: Record<string, number[]>; clip: Record<string, number[]> };
  scores: { image: string; prompt: string; dino: number; clipI: number; clipT: number; itm: number; itc: number }[];
}

/** PyTorch reference scores for an export made with --save-torch (see scenebooth_tuner/export/reference.py). */
export async function pythonReference(
  modelsDir: string,
  spec: ReferenceSpec,
  workDir: string,
): Promise<ReferenceResult> {
  const specPath = path.join(workDir, "spec.json");
  const outPath = path.join(workDir, "reference.json");
  await fs.writeFile(specPath, JSON.stringify(spec));
  await runExport(["reference", "--models", modelsDir, "--spec", specPath, "--out", outPath]);
  return JSON.parse(await fs.readFile(outPath, "utf8")) as ReferenceResult;
}
