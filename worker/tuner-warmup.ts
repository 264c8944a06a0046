// A GPU worker that loads its profile's base model at start (SCENEBOOTH_WARM_TUNER=1): ready only once
// its resident tuner holds the model, so a rollout or an autoscaler waits for that, not for the first job.
import type { Config } from "../lib/config";
import { log } from "../lib/log";
import { residentTuner, tunerEnv } from "./tuner-pool";

export type WarmState = "loading" | "ready" | `failed: ${string}`;

/** Starts loading now; the returned check is the worker's extra readiness. */
export function warmTuner(
  cfg: Pick<Config, "python" | "modelsDir" | "modelProfile" | "tunerTimeoutMs">,
): () => { ok: boolean; tuner: WarmState } {
  let state: WarmState = "loading";
  residentTuner(cfg.python, tunerEnv(cfg))
    .warm(cfg.modelProfile, cfg.tunerTimeoutMs)
    .then(
      () => {
        state = "ready";
        log.info(`worker: the resident tuner holds ${cfg.modelProfile}'s base model`);
      },
      (error: Error) => {
        state = `failed: ${error.message}`;
        log.error({ err: error }, "worker: the resident tuner could not load the base model; not ready");
      },
    );
  return () => ({ ok: state === "ready", tuner: state });
}
