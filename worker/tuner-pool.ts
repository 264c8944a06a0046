import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import readline from "node:readline";
import { resultFromWire, specToWire, type TunerCommand, type TunerResult } from "./tuner-contract";
import {
  runTunerOnce,
  trackTuner,
  TunerProcessError,
  type TunerErrorCode,
  type TunerProgress,
  type TunerRunOptions,
} from "./tuner-process";
import { log } from "../lib/log";

/** `resident`: one long-lived tuner process (`python -m scenebooth_tuner serve`) per worker, i.e. per GPU,
 * that keeps its models loaded between jobs. `per-command`: a fresh process per command, as before. */
export type TunerMode = "resident" | "per-command";

/** What the resident process's `stats` command answers (scenebooth_tuner/serve.py). */
export interface TunerStats {
  pid: number;
  /** Jobs it has run. */
  jobs: number;
  /** Model parts it has read from disk, by part (unet, text_encoder, vae, captioner, tuned_weights). */
  loads: Record<string, number>;
  residents: Array<{ base: string; adapterLayers: number; vocab: number; fingerprint?: string }>;
  captioner: boolean;
}

/** How long a cancelled job may take to reach its next step before its process is killed. */
const CANCEL_GRACE_MS = 60_000;

interface WireEvent extends Record<string, unknown> {
  event?: string;
  id?: string;
  code?: string;
  message?: string;
}

/** One running `serve` process: its stdout read as events of the job it is running. */
class ServeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<void>;
  alive = true;
  stderrTail = "";
  exitDescription = "";
  /** Events of the running job; called with null when the process ends. */
  listener?: (event: WireEvent | null) => void;

  constructor(python: string, env: Record<string, string>) {
    this.child = spawn(python, ["-m", "scenebooth_tuner", "serve"], {
      env: { ...process.env, PYTHONUNBUFFERED: "1", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    trackTuner(this.child);
    // Idle, the process does not hold the worker's event loop open (a running job's timer does).
    this.child.unref();
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr])
      (stream as unknown as { unref?: () => void }).unref?.();
    this.child.stdin.on("error", () => {}); // a dead process: its exit is what reports it
    this.child.stderr.on(
      "data",
      (chunk: Buffer) => (this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000)),
    );
    readline.createInterface({ input: this.child.stdout }).on("line", (line) => {
      let event: WireEvent;
      try {
        event = JSON.parse(line);
      } catch {
        return; // not an event (a library that printed anyway)
      }
      if (typeof event === "object" && event !== null) this.listener?.(event);
    });
    this.exited = new Promise((resolve) => {
      const end = (description: string) => {
        if (!this.alive) return;
        this.alive = false;
        this.exitDescription = description;
        this.listener?.(null);
        resolve();
      };
      this.child.once("error", (error) => end(`could not run ${python}: ${error.message}`));
      this.child.once("close", (code, signal) => end(`exited with ${signal ?? `status ${code}`}`));
    });
  }

  send(message: object): void {
    if (this.alive) this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }
}

/**
 * The worker's resident tuner process for one (python, env): started when first needed, one job at a time;
 * a process that dies during a job is started again and the job retried once there (a train job resumes
 * from its checkpoint); one that hangs past the job's timeout is killed, and the job fails retryable.
 */
export class ResidentTuner {
  private process?: ServeProcess;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly python: string,
    readonly env: Record<string, string> = {},
  ) {}

  /** The pid of the running process, if any (tests). */
  get pid(): number | undefined {
    return this.process?.alive ? this.process.child.pid : undefined;
  }

  run<C extends TunerCommand>(options: TunerRunOptions<C>): Promise<TunerResult<C>> {
    return this.serialised(async () => {
      await mkdir(options.workDir, { recursive: true });
      const specPath = path.join(options.workDir, `${options.command}.json`);
      await writeFile(specPath, JSON.stringify(specToWire(options.command, options.spec), null, 2));
      const request = { command: options.command, spec_path: specPath };
      const parse = (event: WireEvent) => resultFromWire(options.command, event);
      try {
        return await this.request(request, parse, options);
      } catch (error) {
        if (!(error instanceof TunerProcessError && error.code === "crashed") || options.signal?.aborted) throw error;
        log.info(`tuner: the resident process died during ${options.command} (${error.message}); retrying once`);
        return this.request(request, parse, options);
      }
    });
  }

  /** Loads `profile`'s base model into the process now (started if none runs), before any job needs it. */
  async warm(profile: string, timeoutMs: number): Promise<void> {
    await this.serialised(() =>
      this.request({ command: "warm", profile }, (event) => String(event.profile), { command: "warm", timeoutMs }),
    );
  }

  /** Model loads and resident models of the process (started if none runs). */
  stats(fingerprint = false): Promise<TunerStats> {
    return this.serialised(() =>
      this.request(
        { command: "stats", fingerprint },
        (event) => {
          const residents = (event.residents as Array<Record<string, unknown>>).map((r) => ({
            base: String(r.base),
            adapterLayers: Number(r.adapter_layers),
            vocab: Number(r.vocab),
            ...(r.fingerprint ? { fingerprint: String(r.fingerprint) } : {}),
          }));
          return {
            pid: Number(event.pid),
            jobs: Number(event.jobs),
            loads: event.loads as Record<string, number>,
            residents,
            captioner: Boolean(event.captioner),
          };
        },
        { command: "stats", timeoutMs: 120_000 },
      ),
    );
  }

  /** Ends the process: its stdin closed (it exits after the running job), killed if still there after `graceMs`. */
  async close(graceMs = 10_000): Promise<void> {
    const running = this.process;
    this.process = undefined;
    if (!running?.alive) return;
    running.child.stdin.end();
    const timer = setTimeout(() => running.kill(), graceMs);
    await running.exited;
    clearTimeout(timer);
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private started(): ServeProcess {
    if (!this.process?.alive) this.process = new ServeProcess(this.python, this.env);
    return this.process;
  }

  /** Sends one job line and reads its events up to its result or error. */
  private request<T>(
    message: object,
    parse: (event: WireEvent) => T,
    options: Pick<TunerRunOptions<TunerCommand>, "timeoutMs" | "onProgress" | "signal"> & { command: string },
  ): Promise<T> {
    const proc = this.started();
    const id = randomUUID();
    return new Promise<T>((resolve, reject) => {
      let result: T | undefined;
      // A TunerProcessError, or whatever the progress callback threw (e.g. the merchant cancelled).
      let failure: Error | undefined;
      let pending: Promise<void> = Promise.resolve();
      let cancelTimer: NodeJS.Timeout | undefined;

      const cancel = () => {
        proc.send({ cancel: id });
        cancelTimer ??= setTimeout(() => proc.kill(), CANCEL_GRACE_MS);
      };
      const timer = setTimeout(() => {
        failure ??= new TunerProcessError(
          "timeout",
          `the tuner's ${options.command} did not finish in ${Math.round(options.timeoutMs / 1000)} s`,
        );
        proc.kill(); // a hung process: the next job starts a new one
      }, options.timeoutMs);
      const onAbort = () => {
        failure ??= new TunerProcessError("cancelled", "cancelled");
        cancel();
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });

      const finish = () => {
        proc.listener = undefined;
        clearTimeout(timer);
        clearTimeout(cancelTimer);
        options.signal?.removeEventListener("abort", onAbort);
        void pending.then(() => {
          if (failure) reject(failure);
          else if (result !== undefined) resolve(result);
          else
            reject(
              new TunerProcessError(
                "crashed",
                `the tuner process ${proc.exitDescription} during ${options.command} without a result: ${proc.stderrTail.trim().split("\n").slice(-3).join(" | ")}`,
              ),
            );
        });
      };

      proc.listener = (event) => {
        if (event === null) return finish(); // the process ended
        if (event.id !== id) return; // not this job's (the "ready" line)
        if (event.event === "progress" && options.onProgress) {
          pending = pending
            .then(() => options.onProgress!(event as unknown as TunerProgress))
            .catch((error: Error) => {
              // The progress callback throws when the merchant cancelled: stop the job.
              failure ??= error;
              cancel();
            });
        } else if (event.event === "result") {
          try {
            result = parse(event);
          } catch (error) {
            failure ??= new TunerProcessError(
              "bad_result",
              `the tuner's ${options.command} result does not match worker/tuner-contract.ts: ${(error as Error).message}`,
            );
          }
          finish();
        } else if (event.event === "error") {
          failure ??= new TunerProcessError(
            (event.code as TunerErrorCode) ?? "internal",
            event.message ?? "the tuner failed",
          );
          finish();
        }
      };
      proc.send({ id, ...message });
    });
  }
}

/** The environment the worker's stages run the tuner with (one resident process per distinct one). */
export function tunerEnv(cfg: { modelsDir: string }): Record<string, string> {
  return { SCENEBOOTH_MODELS_DIR: cfg.modelsDir };
}

const tuners = new Map<string, ResidentTuner>();

/** The worker's resident tuner for this python and environment (one in production: one per worker, per GPU). */
export function residentTuner(python: string, env: Record<string, string> = {}): ResidentTuner {
  const key = JSON.stringify([python, env]);
  let tuner = tuners.get(key);
  if (!tuner) tuners.set(key, (tuner = new ResidentTuner(python, env)));
  return tuner;
}

/** Ends the resident tuner processes (worker shutdown). */
export async function closeTuners(): Promise<void> {
  const all = [...tuners.values()];
  tuners.clear();
  await Promise.all(all.map((tuner) => tuner.close()));
}

/**
 * Runs one tuner command and returns its result, read as the contract says: in the worker's resident
 * process (default), or in a process of its own (`mode: "per-command"`, SCENEBOOTH_TUNER_MODE).
 */
export function runTuner<C extends TunerCommand>(
  options: TunerRunOptions<C> & { mode?: TunerMode },
): Promise<TunerResult<C>> {
  if (options.mode === "per-command") return runTunerOnce(options);
  return residentTuner(options.python, options.env).run(options);
}
