import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import readline from "node:readline";
import { resultFromWire, specToWire, type TunerCommand, type TunerResult, type TunerSpec } from "./tuner-contract";

/** One `{"event":"progress",…}` line of the tuner. */
export interface TunerProgress {
  event: "progress";
  stage: string;
  step: number;
  total: number;
  eta_s: number | null;
}

/** The tuner's codes (scenebooth_tuner/errors.py), and the worker's: `bad_result` is a result line that breaks the contract. */
export type TunerErrorCode =
  "bad_spec" | "bad_input" | "model_missing" | "oom" | "internal" | "bad_result" | "timeout" | "crashed" | "cancelled";

/** The tuner ended with a coded error line, crashed, hung, or was cancelled. */
export class TunerProcessError extends Error {
  override name = "TunerProcessError";
  constructor(
    readonly code: TunerErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** Whether running the same job again may succeed (a crash, a hang, an OOM on a busy GPU). */
  get retryable(): boolean {
    return this.code === "crashed" || this.code === "timeout" || this.code === "oom" || this.code === "internal";
  }
}

export interface TunerRunOptions<C extends TunerCommand> {
  python: string;
  command: C;
  /** camelCase here; written to the spec file with the tuner's snake_case names (worker/tuner-contract.ts). */
  spec: TunerSpec<C>;
  /** Folder for the spec file and the tuner's outputs. */
  workDir: string;
  timeoutMs: number;
  onProgress?: (event: TunerProgress) => void | Promise<void>;
  signal?: AbortSignal;
  env?: Record<string, string>;
}

// Tuner processes still running; killed when the worker exits however it exits (the tuner also
// dies with its parent by itself: scenebooth_tuner/parent_watch.py).
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Kills `child` when the worker exits. */
export function trackTuner(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
}

/**
 * Runs one tuner command in a process of its own (`python -m scenebooth_tuner <command> --spec job.json`)
 * and returns its result, read as the contract says. The tuner writes JSON lines on stdout: progress,
 * then one result or one error. The worker's jobs go through tuner-pool.ts's `runTuner`.
 */
export async function runTunerOnce<C extends TunerCommand>(options: TunerRunOptions<C>): Promise<TunerResult<C>> {
  await mkdir(options.workDir, { recursive: true });
  const specPath = path.join(options.workDir, `${options.command}.json`);
  await writeFile(specPath, JSON.stringify(specToWire(options.command, options.spec), null, 2));

  const child = spawn(options.python, ["-m", "scenebooth_tuner", options.command, "--spec", specPath], {
    env: { ...process.env, PYTHONUNBUFFERED: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  trackTuner(child);
  let stderrTail = "";
  child.stderr.on("data", (chunk: Buffer) => (stderrTail = (stderrTail + chunk.toString()).slice(-4000)));

  let result: TunerResult<C> | undefined;
  // A TunerProcessError, or whatever the progress callback threw (e.g. the merchant cancelled).
  let failure: Error | undefined;
  let pending: Promise<void> = Promise.resolve();
  const lines = readline.createInterface({ input: child.stdout });
  lines.on("line", (line) => {
    let event: { event?: string; code?: string; message?: string } & Record<string, unknown>;
    try {
      event = JSON.parse(line);
    } catch {
      return; // not an event (a library that printed anyway)
    }
    if (typeof event !== "object" || event === null) return; // JSON, but not an event (`null`, `42`)
    if (event.event === "progress" && options.onProgress) {
      pending = pending
        .then(() => options.onProgress!(event as unknown as TunerProgress))
        .catch((error: Error) => {
          // The progress callback throws when the merchant cancelled: stop the tuner.
          failure ??= error;
          child.kill("SIGTERM");
        });
    } else if (event.event === "result") {
      try {
        result = resultFromWire(options.command, event);
      } catch (error) {
        failure ??= new TunerProcessError(
          "bad_result",
          `the tuner's ${options.command} result does not match worker/tuner-contract.ts: ${(error as Error).message}`,
        );
      }
    } else if (event.event === "error") {
      failure = new TunerProcessError(
        (event.code as TunerErrorCode) ?? "internal",
        event.message ?? "the tuner failed",
      );
    }
  });

  const timer = setTimeout(() => {
    failure ??= new TunerProcessError(
      "timeout",
      `the tuner's ${options.command} did not finish in ${Math.round(options.timeoutMs / 1000)} s`,
    );
    child.kill("SIGKILL");
  }, options.timeoutMs);
  const onAbort = () => {
    failure ??= new TunerProcessError("cancelled", "cancelled");
    child.kill("SIGTERM");
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });

  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal }));
  }).finally(() => {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  });
  await pending;

  if (failure) throw failure;
  if (exit.code === 0 && result) return result;
  throw new TunerProcessError(
    "crashed",
    `the tuner's ${options.command} exited with ${exit.signal ?? `status ${exit.code}`} without a result: ${stderrTail.trim().split("\n").slice(-3).join(" | ")}`,
  );
}
