/** The score arithmetic, kept apart from the models so it can be checked on hand-computed vectors. */

export type Vector = ArrayLike<number>;

export function dot(a: Vector, b: Vector): number {
  if (a.length !== b.length) throw new RangeError(`vector lengths differ: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function norm(a: Vector): number {
  return Math.sqrt(dot(a, a));
}

/** Cosine similarity; 0 when either vector is all zeros (no direction to compare). */
export function cosine(a: Vector, b: Vector): number {
  const d = norm(a) * norm(b);
  return d === 0 ? 0 : dot(a, b) / d;
}

/** Mean cosine between one candidate and each reference (DINO and CLIP-I). */
export function meanCosine(candidate: Vector, references: readonly Vector[]): number {
  if (references.length === 0) throw new RangeError("at least one reference embedding is needed");
  let s = 0;
  for (const r of references) s += cosine(candidate, r);
  return s / references.length;
}

/** Numerically stable softmax. */
export function softmax(logits: Vector): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((s, v) => s + v, 0);
  return exps.map((v) => v / sum);
}

/** BLIP ITM: probability of the "match" class (index 1) from the head's two logits. */
export function itmProbability(logits: Vector): number {
  if (logits.length !== 2) throw new RangeError(`ITM head gives 2 logits, got ${logits.length}`);
  return softmax(logits)[1]!;
}
