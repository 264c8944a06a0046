import { mean, sampleStandardDeviation } from "simple-statistics";
import { EmptyGroupError, ITM_SHOWN_THRESHOLD, METRICS, type Metric, type ScoredImage } from "./stats";

/** Mean of B − A over paired values, with a two-sided Student-t confidence interval. */
export interface PairedDifference {
  n: number;
  meanA: number;
  meanB: number;
  /** mean(B − A) */
  diff: number;
  /** null below two pairs (no spread to estimate) */
  low: number | null;
  high: number | null;
  /** Two-sided paired t-test p-value; null below two pairs or when every difference is the same. */
  p: number | null;
}

export class PairingError extends Error {
  override name = "PairingError";
}

/** Paired difference of `b` and `a` (same length, same order) with a `confidence` t interval. */
export function pairedDifference(a: readonly number[], b: readonly number[], confidence = 0.95): PairedDifference {
  if (a.length !== b.length) throw new PairingError(`${a.length} values against ${b.length}`);
  if (a.length === 0) throw new EmptyGroupError("no pairs");
  const d = a.map((x, i) => b[i]! - x);
  const n = d.length;
  const diff = mean(d);
  const base = { n, meanA: mean([...a]), meanB: mean([...b]), diff };
  if (n < 2) return { ...base, low: null, high: null, p: null };
  const se = sampleStandardDeviation(d) / Math.sqrt(n);
  const t = studentTQuantile(1 - (1 - confidence) / 2, n - 1);
  const p = se === 0 ? null : 2 * (1 - studentTCdf(Math.abs(diff / se), n - 1));
  return { ...base, low: diff - t * se, high: diff + t * se, p };
}

/** Pairs images of two variants by subject, prompt and seed; every image must have its partner. */
export function pairImages(
  a: readonly ScoredImage[],
  b: readonly ScoredImage[],
): Array<{ a: ScoredImage; b: ScoredImage }> {
  const key = (i: ScoredImage) => `${i.subject}\u0000${i.sceneId}\u0000${i.seed}`;
  const byKey = new Map(b.map((i) => [key(i), i]));
  if (byKey.size !== b.length)
    throw new PairingError("variant B has two images with the same subject, prompt and seed");
  const pairs = a.map((i) => {
    const partner = byKey.get(key(i));
    if (!partner) throw new PairingError(`no partner for ${i.subject} / ${i.sceneId} / seed ${i.seed}`);
    return { a: i, b: partner };
  });
  if (pairs.length !== b.length) throw new PairingError(`variant A has ${a.length} images, B ${b.length}`);
  return pairs;
}

export type CompareColumn = Metric | "shown";
/** The paper's five metrics, then the share of images with ITM > 0.9 (as a 0/1 value per image). */
export const COMPARE_COLUMNS: readonly CompareColumn[] = [...METRICS, "shown"];

export function columnValue(image: ScoredImage, column: CompareColumn): number {
  return column === "shown" ? Number(image.scores.itm > ITM_SHOWN_THRESHOLD) : image.scores[column];
}

/** Per column: means of A and B and the paired difference B − A with its 95 % CI. */
export function compareColumns(
  pairs: ReadonlyArray<{ a: ScoredImage; b: ScoredImage }>,
): Record<CompareColumn, PairedDifference> {
  return Object.fromEntries(
    COMPARE_COLUMNS.map((c) => [
      c,
      pairedDifference(
        pairs.map((p) => columnValue(p.a, c)),
        pairs.map((p) => columnValue(p.b, c)),
      ),
    ]),
  ) as Record<CompareColumn, PairedDifference>;
}

// Student's t distribution through the regularised incomplete beta function (Numerical Recipes'
// continued fraction), and its quantile by bisection: exact to ~1e-10, no table to go stale.

/** P(T <= t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * regularizedBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  let lo = -1e6;
  let hi = 1e6;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = 1 + aa / c;
    c = Math.abs(c) < tiny ? tiny : c;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = 1 + aa / c;
    c = Math.abs(c) < tiny ? tiny : c;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return h;
}

export interface Comparison {
  a: string;
  b: string;
  pairs: number;
  all: Record<CompareColumn, PairedDifference>;
  byKind: Array<{ kind: string; n: number; columns: Record<CompareColumn, PairedDifference> }>;
  bySubject: Array<{ subject: string; n: number; columns: Record<CompareColumn, PairedDifference> }>;
}

/** Pairs the two variants' images and compares them overall, per prompt kind and per subject. */
export function buildComparison(
  a: string,
  b: string,
  imagesA: readonly ScoredImage[],
  imagesB: readonly ScoredImage[],
): Comparison {
  const pairs = pairImages(imagesA, imagesB);
  const grouped = (key: (i: ScoredImage) => string) => {
    const groups = new Map<string, typeof pairs>();
    for (const p of pairs) groups.set(key(p.a), [...(groups.get(key(p.a)) ?? []), p]);
    return [...groups].map(([group, members]) => ({ group, n: members.length, columns: compareColumns(members) }));
  };
  return {
    a,
    b,
    pairs: pairs.length,
    all: compareColumns(pairs),
    byKind: grouped((i) => i.sceneKind).map(({ group, ...rest }) => ({ kind: group, ...rest })),
    bySubject: grouped((i) => i.subject).map(({ group, ...rest }) => ({ subject: group, ...rest })),
  };
}
