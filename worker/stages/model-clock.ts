/**
 * Seconds a stage spends inside model code (the tuner subprocess, ONNX scoring, ESRGAN), returned
 * in the stage's output so that the orchestration benchmark can tell model time from everything else.
 */
export class ModelClock {
  private ms = 0;
  private running = 0;
  private since = 0;

  /** Times `fn`; calls that overlap (photos segmented side by side) count their wall time once. */
  async time<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running++ === 0) this.since = performance.now();
    try {
      return await fn();
    } finally {
      if (--this.running === 0) this.ms += performance.now() - this.since;
    }
  }

  get seconds(): number {
    return Math.round(this.ms) / 1000;
  }
}
