import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config } from "../lib/config";
import { RESULT_FILE, resultFromWire, type TunerSpec } from "./tuner-contract";
import { closeTuners, runTuner, type TunerMode } from "./tuner-pool";
import { TunerProcessError, type TunerProgress } from "./tuner-process";

const python = config().python;
// The real tuner, offline, on the tiny profile (random weights built once under the models dir).
const realEnv = { SCENEBOOTH_MODELS_DIR: config().modelsDir, SCENEBOOTH_OFFLINE: "1" };

// A FAKE scenebooth_tuner package that shadows the real one when first on PYTHONPATH.
const doubleDir = fileURLToPath(new URL("../tests/fixtures/tuner-double", import.meta.url));
const doubleEnv = (behaviour: string) => ({
  PYTHONPATH: [doubleDir, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
  TUNER_DOUBLE: behaviour,
});

let tmp: string;
let images: string[];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "tuner-process-"));
  images = await Promise.all(
    [0, 1, 2].map(async (i) => {
      const file = path.join(tmp, `photo-${i}.png`);
      await sharp({ create: { width: 768, height: 768, channels: 3, background: { r: 60 * i, g: 120, b: 200 } } })
        .png()
        .toFile(file);
      return file;
    }),
  );
});

afterAll(async () => {
  await closeTuners();
  await rm(tmp, { recursive: true, force: true });
});

function captionSpec(name: string): TunerSpec<"caption"> {
  return {
    profile: "tiny",
    classNoun: "sneaker",
    outputDir: path.join(tmp, name, "out"),
    images,
    maxNewTokens: 4,
    batchSize: 1,
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected runTuner to reject, it resolved");
}

// The real tuner's cases share one resident process (one python and environment).
describe("runTuner with the real tuner", () => {
  it("rejects a bad spec with code bad_spec and the tuner's message", async () => {
    const error = await rejection(
      runTuner({
        python,
        command: "caption",
        // A profile the types refuse, as a worker and a tuner of different versions could disagree.
        spec: { ...captionSpec("bad"), profile: "no-such-profile" as "tiny" },
        workDir: path.join(tmp, "bad"),
        timeoutMs: 30_000,
        env: realEnv,
      }),
    );
    expect(error).toBeInstanceOf(TunerProcessError);
    const tunerError = error as TunerProcessError;
    expect(tunerError.code).toBe("bad_spec");
    expect(tunerError.message).toContain("unknown profile 'no-such-profile'");
    expect(tunerError.retryable).toBe(false);
  });

  it("passes progress events to onProgress in order, awaiting each, and returns the result event", async () => {
    const seen: TunerProgress[] = [];
    let inCallback = 0;
    const result = await runTuner({
      python,
      command: "caption",
      spec: captionSpec("caption"),
      workDir: path.join(tmp, "caption"),
      timeoutMs: 60_000,
      env: realEnv,
      onProgress: async (event) => {
        expect(inCallback).toBe(0); // one callback at a time
        inCallback++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        seen.push(event);
        inCallback--;
      },
    });

    expect(result.command).toBe("caption");
    expect(result.classNoun).toBe("sneaker"); // snake_case on the wire, camelCase here
    // The tune stage reuses a run's captions from this file on a retry.
    const written = JSON.parse(readFileSync(path.join(captionSpec("caption").outputDir, RESULT_FILE), "utf8"));
    expect(resultFromWire("caption", written)).toEqual(result);
    expect(result.captions.map((c) => c.image)).toEqual(images);
    for (const caption of result.captions) expect(caption.prompt).toContain("<mysneaker>");

    expect(seen.every((e) => e.event === "progress")).toBe(true);
    const stages = seen.map((e) => e.stage).filter((stage, i, all) => stage !== all[i - 1]);
    expect(stages).toEqual(["load", "caption"]);
    seen.forEach((event, i) => {
      const before = seen[i - 1];
      if (before?.stage === event.stage) expect(event.step).toBeGreaterThanOrEqual(before.step);
    });
    // The last progress line of the job reached the callback.
    expect(seen.at(-1)).toMatchObject({ stage: "caption", step: 3, total: 3 });
  });

  it("stops the tuner when onProgress throws and rejects with that same error", async () => {
    const cancelled = new Error("the merchant cancelled");
    const spec = captionSpec("throws");
    const error = await rejection(
      runTuner({
        python,
        command: "caption",
        spec,
        workDir: path.join(tmp, "throws"),
        timeoutMs: 60_000,
        env: realEnv,
        onProgress: () => {
          throw cancelled;
        },
      }),
    );
    expect(error).toBe(cancelled);
    // runTuner waits for the process to exit; a finished caption job would have written this.
    expect(existsSync(path.join(spec.outputDir, "result.json"))).toBe(false);
  });

  it("stops the tuner on abort with code cancelled", async () => {
    const controller = new AbortController();
    const spec = captionSpec("abort");
    const error = await rejection(
      runTuner({
        python,
        command: "caption",
        spec,
        workDir: path.join(tmp, "abort"),
        timeoutMs: 60_000,
        env: realEnv,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      }),
    );
    expect(error).toBeInstanceOf(TunerProcessError);
    expect((error as TunerProcessError).code).toBe("cancelled");
    expect((error as TunerProcessError).retryable).toBe(false);
    expect(existsSync(path.join(spec.outputDir, "result.json"))).toBe(false);
  });
});

describe.each(["resident", "per-command"] as const)(
  "runTuner with a fake tuner (tests/fixtures/tuner-double), %s",
  (mode: TunerMode) => {
    const run = (
      behaviour: string,
      options: { timeoutMs?: number; onProgress?: (e: TunerProgress) => void | Promise<void> } = {},
    ) =>
      runTuner({
        mode,
        python,
        command: "caption",
        spec: captionSpec(`double-${behaviour}`),
        workDir: path.join(tmp, `double-${mode}-${behaviour}`),
        timeoutMs: options.timeoutMs ?? 30_000,
        env: doubleEnv(behaviour),
        onProgress: options.onProgress,
      });

    it("reports a crash without an error line as retryable code crashed, with the stderr tail", async () => {
      const error = await rejection(run("crash"));
      expect(error).toBeInstanceOf(TunerProcessError);
      const tunerError = error as TunerProcessError;
      expect(tunerError.code).toBe("crashed");
      expect(tunerError.retryable).toBe(true);
      expect(tunerError.message).toContain("status 9");
      expect(tunerError.message).toContain("double: segfault-like death at step 1");
    });

    it("kills a hung tuner (one that ignores SIGTERM) after timeoutMs with code timeout", async () => {
      let progressed = false;
      const error = await rejection(run("hang", { timeoutMs: 1_500, onProgress: () => void (progressed = true) }));
      expect(progressed).toBe(true); // it was running, then hung
      expect(error).toBeInstanceOf(TunerProcessError);
      expect((error as TunerProcessError).code).toBe("timeout");
      expect((error as TunerProcessError).retryable).toBe(true);
    }, 15_000);

    it("ignores stdout lines that are not events, and returns after the last onProgress finished", async () => {
      const seen: TunerProgress[] = [];
      // Slower than the double, which exits right after its result line.
      const onProgress = async (event: TunerProgress) => {
        await new Promise((resolve) => setTimeout(resolve, 200));
        seen.push(event);
      };
      const result = await run("noise", { onProgress });
      expect(result).toEqual({
        command: "caption",
        profile: "tiny",
        randomWeights: true,
        classNoun: "sneaker",
        identifier: "<mysneaker>",
        question: "noise",
        captions: [],
        elapsedS: 0.1,
      });
      expect(seen.map((e) => e.step)).toEqual([0, 1, 2]);
    });

    it("refuses a result that breaks the contract with code bad_result, not retried", async () => {
      const error = await rejection(run("off-contract"));
      expect(error).toBeInstanceOf(TunerProcessError);
      expect((error as TunerProcessError).code).toBe("bad_result");
      expect((error as TunerProcessError).retryable).toBe(false);
      expect((error as TunerProcessError).message).toContain("result.captions[0].prompt is missing");
    });
  },
);

describe("a worker that exits", () => {
  it("takes its running tuner with it, even one that ignores SIGTERM", async () => {
    const workDir = path.join(tmp, "exit-kills-tuner");
    // The python under a path of this test's own, so that its process is found by its command line.
    await mkdir(workDir, { recursive: true });
    const ownPython = path.join(workDir, "python");
    await symlink(python, ownPython);
    // A worker process that starts the hanging double (resident) and exits at its first progress line.
    const script = `
      import { runTuner } from ${JSON.stringify(fileURLToPath(new URL("./tuner-pool.ts", import.meta.url)))};
      void runTuner({ python: ${JSON.stringify(ownPython)}, command: "train", spec: {}, workDir: ${JSON.stringify(workDir)}, timeoutMs: 60_000,
        env: ${JSON.stringify(doubleEnv("hang"))}, onProgress: () => process.exit(0) });
    `;
    const { execFileSync, spawnSync } = await import("node:child_process");
    spawnSync("npx", ["tsx", "--eval", script], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      timeout: 60_000,
    });
    const survivors = () => {
      try {
        return execFileSync("pgrep", ["-f", workDir]).toString().trim();
      } catch {
        return ""; // pgrep exits 1 when nothing matches
      }
    };
    for (let i = 0; i < 20 && survivors(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(survivors()).toBe("");
  });
});
