/** One benchmark figure, measured together with its baseline in the same run. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  /** value / baselineValue, unless `ratioNote` says otherwise. */
  ratio: number;
  goal: string;
  note?: string;
}

export function figure(f: Omit<Figure, "ratio"> & { ratio?: number }): Figure {
  return { ...f, ratio: f.ratio ?? f.value / f.baselineValue };
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await fn();
  return { result, ms: performance.now() - start };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
