/**
 * Seconds a stage spends inside model code (the tuner subprocess, ONNX scoring, ESRGAN), returned
 * in the stage's output so that the orchestration benchmark can tell model time from everything else.
 */
export class ModelClock {
  private ms = 0;

  async time<T>(fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.ms += performance.now() - start;
    }
  }

  get seconds(): number {
    return Math.round(this.ms) / 1000;
  }
}
