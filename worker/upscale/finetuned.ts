import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../../lib/config";
import { ModelFilesError } from "../scoring/errors";
import { sha256File } from "../scoring/manifest";
import { assertTierScale, type Scale, type Tier } from "./models";

const execFileAsync = promisify(execFile);

/** What `python -m scenebooth_tuner esrgan-finetune` writes next to its ONNX export (`<onnx>.json`). */
interface FinetunedSidecar {
  kind?: string;
  tier?: string;
  scale?: number;
  source?: string;
  onnxSha256?: string;
}

export interface FinetunedModel {
  path: string;
  tier: Tier;
  scale: Scale;
  /** The npm weights it was fine-tuned from. */
  source: string;
  sha256: string;
}

/**
 * A fine-tuned ESRGAN export (same contract as the converted models: `input`/`output`, NCHW RGB in
 * [0, 1]), checked against its sidecar: the kind, a known tier and scale, and the ONNX checksum.
 */
export async function readFinetunedModel(onnxPath: string): Promise<FinetunedModel> {
  let sidecar: FinetunedSidecar;
  try {
    sidecar = JSON.parse(await fs.readFile(`${onnxPath}.json`, "utf8")) as FinetunedSidecar;
  } catch (error) {
    throw new ModelFilesError(
      `fine-tuned ESRGAN ${onnxPath}: its sidecar ${onnxPath}.json could not be read (${(error as Error).message}); ` +
        "it is written by python -m scenebooth_tuner esrgan-finetune",
    );
  }
  if (sidecar.kind !== "esrgan-finetuned" || typeof sidecar.onnxSha256 !== "string")
    throw new ModelFilesError(`${onnxPath}.json is not an esrgan-finetune sidecar`);
  const tier = String(sidecar.tier);
  const scale = Number(sidecar.scale);
  assertTierScale(tier, scale);
  const sha256 = await sha256File(onnxPath).catch((error: Error) => {
    throw new ModelFilesError(`fine-tuned ESRGAN ${onnxPath} could not be read: ${error.message}`);
  });
  if (sha256 !== sidecar.onnxSha256)
    throw new ModelFilesError(`fine-tuned ESRGAN ${onnxPath} does not match the checksum in its sidecar`);
  return { path: onnxPath, tier, scale: scale as Scale, source: String(sidecar.source ?? "?"), sha256 };
}

/**
 * Runs `python -m scenebooth_tuner <esrgan-finetune|esrgan-pairs> ...` (the bench and the tests; the
 * worker only reads the result) and returns its result line. The tuner's folder is the working
 * directory, so the checkout's own package is the one that runs.
 */
export async function runEsrganCommand(
  python: string,
  command: "esrgan-finetune" | "esrgan-pairs",
  args: string[],
  timeoutMs = 3_600_000,
): Promise<Record<string, unknown>> {
  const { stdout } = await execFileAsync(python, ["-m", "scenebooth_tuner", command, ...args], {
    cwd: path.join(projectRoot, "worker", "tuner"),
    env: { ...process.env, SCENEBOOTH_OFFLINE: "1", PYTHONUNBUFFERED: "1" },
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: Error & { stdout?: string; stderr?: string }) => {
    const event = lastEvent(error.stdout ?? "");
    throw new Error(
      `${command} failed: ${event?.message ? String(event.message) : error.message}\n${(error.stderr ?? "").slice(-2000)}`,
    );
  });
  const event = lastEvent(stdout);
  if (event?.event !== "result") throw new Error(`${command} printed no result line`);
  return event;
}

function lastEvent(stdout: string): Record<string, unknown> | undefined {
  const line = stdout.trim().split("\n").at(-1);
  try {
    return line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
