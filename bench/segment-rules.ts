// The segmentation model's trust rules (SEGMENT_RULES in lib/images/segment.ts, cohesion from
// CUTOUT_RULES) on realistic mattes. No real BiRefNet weights exist on the test hosts, so the mattes
// are SYNTHETIC: the packshot test set's border mattes (trusted, in one piece) as references, put at
// the model's output size (1024 × 1024, the photo squashed as segment.ts feeds it) and degraded the
// ways segmentation models succeed and fail, then read back exactly as segment.ts reads a model's
// output (linear resize to the matte grid, matteFromAlpha, cutoutQuality).
// Writes bench/results/segment-rules.md. Run: npx tsx bench/segment-rules.ts
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import sharp from "sharp";
import { CUTOUT_RULES, cutoutQuality } from "../lib/images/composite";
import { MATTE_RULES, plainBackdropMatte } from "../lib/images/matte";
import { matteFromAlpha, SEGMENT_RULES, type SegmentedMatte } from "../lib/images/segment";

const root = path.resolve(import.meta.dirname, "..");
export const packshotDir = path.join(root, "tests", "fixtures", "packshots");
/** The model's output side (BiRefNet's, the manifest's `side`). */
const SIDE = 1024;

/** A packshot's reference: its border matte at the model's output size, and the grid segment.ts reads mattes on. */
export interface Reference {
  name: string;
  /** 0–1 alpha at SIDE × SIDE, sharp-edged. */
  alpha: Float32Array;
  gridWidth: number;
  gridHeight: number;
  gridRgb: Buffer;
  /** The reference's own mask on the grid, for IoU. */
  gridMask: Uint8Array;
}

export async function reference(name: string, photo: Buffer): Promise<Reference | null> {
  const border = await plainBackdropMatte(photo);
  if (!cutoutQuality(border).trusted) return null;
  const { width, height } = border;
  const up = await sharp(Buffer.from(border.mask.map((v) => v * 255)), { raw: { width, height, channels: 1 } })
    .resize(SIDE, SIDE, { fit: "fill", kernel: "linear" })
    .extractChannel(0)
    .raw()
    .toBuffer();
  const alpha = new Float32Array(SIDE * SIDE);
  for (let i = 0; i < alpha.length; i++) alpha[i] = up[i]! >= 128 ? 1 : 0;
  const { data: gridRgb } = await sharp(photo)
    .rotate()
    .flatten({ background: "#ffffff" })
    .toColourspace("srgb")
    .resize(MATTE_RULES.side, MATTE_RULES.side, { fit: "inside", kernel: "cubic" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { name, alpha, gridWidth: width, gridHeight: height, gridRgb, gridMask: border.mask };
}

export async function packshotReferences(): Promise<Reference[]> {
  const refs: Reference[] = [];
  for (const file of (await readdir(packshotDir)).filter((f) => f.endsWith(".png")).sort()) {
    const ref = await reference(file.replace(/\.png$/, ""), await readFile(path.join(packshotDir, file)));
    if (ref) refs.push(ref);
  }
  return refs;
}

// ---- degradations, on 0–1 alphas at SIDE × SIDE ----

async function blur(alpha: Float32Array, sigma: number): Promise<Float32Array> {
  const bytes = Buffer.from(alpha.map((a) => Math.round(a * 255)));
  const out = await sharp(bytes, { raw: { width: SIDE, height: SIDE, channels: 1 } })
    .blur(sigma)
    .extractChannel(0)
    .raw()
    .toBuffer();
  return Float32Array.from(out, (v) => v / 255);
}

const map = (alpha: Float32Array, f: (a: number, x: number, y: number) => number) =>
  alpha.map((a, i) => f(a, i % SIDE, Math.floor(i / SIDE)));

function box(alpha: Float32Array) {
  let [left, top, right, bottom] = [SIDE, SIDE, -1, -1];
  alpha.forEach((a, i) => {
    if (a < 0.5) return;
    const [x, y] = [i % SIDE, Math.floor(i / SIDE)];
    [left, top, right, bottom] = [Math.min(left, x), Math.min(top, y), Math.max(right, x), Math.max(bottom, y)];
  });
  return { left, top, right, bottom };
}

/** A seeded generator (same figures every run). */
function random(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

/** Logit noise of standard deviation `sd` (Box–Muller), on logits clipped at ±8 (a confident model's range). */
function noisyLogits(alpha: Float32Array, sd: number, seed: number): Float32Array {
  const rand = random(seed);
  return alpha.map((a) => {
    const p = Math.min(Math.max(a, 1e-4), 1 - 1e-4);
    const logit = Math.max(-8, Math.min(8, Math.log(p / (1 - p))));
    const n = Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
    return 1 / (1 + Math.exp(-(logit + sd * n)));
  });
}

/** The edge moved by a smooth random field of up to `amplitude` px (a model's wobbly boundary). */
function jitter(alpha: Float32Array, amplitude: number, seed: number): Float32Array {
  const rand = random(seed);
  const waves = Array.from({ length: 4 }, () => ({
    fx: (1 + rand() * 6) / SIDE,
    fy: (1 + rand() * 6) / SIDE,
    phase: rand() * 2 * Math.PI,
  }));
  const field = (x: number, y: number, k: number) =>
    (amplitude / 2) *
    waves.slice(k, k + 2).reduce((s, w) => s + Math.sin(2 * Math.PI * (w.fx * x + w.fy * y) + w.phase), 0);
  return map(alpha, (_, x, y) => {
    const sx = Math.min(SIDE - 1, Math.max(0, Math.round(x + field(x, y, 0))));
    const sy = Math.min(SIDE - 1, Math.max(0, Math.round(y + field(x, y, 2))));
    return alpha[sy * SIDE + sx]!;
  });
}

/**
 * Disks of background the model takes for product, `share` of the product's area in all: up to four,
 * each clear of the product and of the frame's edge by 8 px (separate pieces, not a grown product).
 * Null when no such place exists (a product filling the frame).
 */
function blobs(alpha: Float32Array, share: number): Float32Array | null {
  const product = alpha.reduce((s, a) => s + (a >= 0.5 ? 1 : 0), 0);
  const clear = (cx: number, cy: number, r: number) => {
    if (cx - r < 8 || cy - r < 8 || cx + r > SIDE - 9 || cy + r > SIDE - 9) return false;
    for (let y = Math.floor(cy - r - 8); y <= cy + r + 8; y += 2)
      for (let x = Math.floor(cx - r - 8); x <= cx + r + 8; x += 2)
        if ((x - cx) ** 2 + (y - cy) ** 2 <= (r + 8) ** 2 && alpha[y * SIDE + x]! >= 0.5) return false;
    return true;
  };
  for (const count of [4, 3, 2, 1]) {
    const r = Math.sqrt((product * share) / count / Math.PI);
    const centres: Array<[number, number]> = [];
    for (let cy = 0; cy < SIDE && centres.length < count; cy += 16)
      for (let cx = 0; cx < SIDE && centres.length < count; cx += 16)
        if (clear(cx, cy, r) && centres.every(([x, y]) => (x - cx) ** 2 + (y - cy) ** 2 > (2 * r + 16) ** 2))
          centres.push([cx, cy]);
    if (centres.length === count)
      return map(alpha, (a, x, y) => (centres.some(([cx, cy]) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r) ? 1 : a));
  }
  return null;
}

export type Expectation = "trusted" | "refused";

export interface Case {
  name: string;
  kind: "good" | "bad";
  /** What the rules do with it: good cases should be trusted and bad ones refused; a bad case the rules cannot see says so. */
  expect: Expectation;
  /** References on which the case goes the other way, and why (the rules' blind spot there). */
  except?: { on: string[]; why: string };
  /** Why a bad case is trusted everywhere (the rules' blind spot). */
  blindSpot?: string;
  /** Null: the case cannot be made on this reference. */
  make(alpha: Float32Array): Promise<Float32Array | null> | Float32Array | null;
}

/** What the rules should do with `c` on the reference named `ref`. */
export function expected(c: Case, ref: string): Expectation {
  const flip = c.except?.on.includes(ref) ?? false;
  return flip === (c.expect === "trusted") ? "refused" : "trusted";
}

export const CASES: Case[] = [
  { name: "reference (sharp edge)", kind: "good", expect: "trusted", make: (a) => a },
  { name: "feathered edge, 2 px", kind: "good", expect: "trusted", make: (a) => blur(a, 2) },
  { name: "feathered edge, 8 px", kind: "good", expect: "trusted", make: (a) => blur(a, 8) },
  {
    name: "boundary jitter ±3 px, 1.5 px feather",
    kind: "good",
    expect: "trusted",
    make: (a) => blur(jitter(a, 3, 11), 1.5),
  },
  {
    name: "confident logits with pixel noise (sd 1.5)",
    kind: "good",
    expect: "trusted",
    make: async (a) => noisyLogits(await blur(a, 2), 1.5, 5),
  },
  {
    name: "product cut by the frame's bottom edge (2 %), 2 px feather",
    kind: "good",
    expect: "trusted",
    make: (a) => {
      const shift = SIDE - 1 - box(a).bottom + Math.round(0.02 * SIDE);
      return blur(
        map(a, (_, x, y) => (y - shift >= 0 ? a[(y - shift) * SIDE + x]! : 0)),
        2,
      );
    },
  },
  {
    name: "missing half the product",
    kind: "bad",
    expect: "trusted",
    blindSpot:
      "a confident half product in one piece looks like a smaller product: no rule on the matte alone can tell",
    make: (a) => {
      const b = box(a);
      const mid = (b.left + b.right) / 2;
      return blur(
        map(a, (v, x) => (x > mid ? 0 : v)),
        2,
      );
    },
  },
  {
    name: "product broken into 4 pieces",
    kind: "bad",
    expect: "refused",
    make: (a) => {
      const b = box(a);
      const w = b.right - b.left;
      const cut = (x: number) => [0.25, 0.5, 0.75].some((f) => Math.abs(x - (b.left + f * w)) < 0.03 * w);
      return blur(
        map(a, (v, x) => (cut(x) ? 0 : v)),
        2,
      );
    },
  },
  { name: "inverted matte", kind: "bad", expect: "refused", make: async (a) => (await blur(a, 2)).map((v) => 1 - v) },
  {
    name: "background blobs, 25 % of the product",
    kind: "bad",
    expect: "refused",
    make: (a) => {
      const b = blobs(a, 0.25);
      return b && blur(b, 2);
    },
  },
  {
    name: "background blobs, 5 % of the product",
    kind: "bad",
    expect: "trusted",
    blindSpot: "blobs under a tenth of the product keep cohesion above 0.9 (the cut-out carries small specks)",
    make: (a) => {
      const b = blobs(a, 0.05);
      return b && blur(b, 2);
    },
  },
  {
    name: "low confidence everywhere (alpha 0.25–0.75)",
    kind: "bad",
    expect: "refused",
    make: async (a) => (await blur(a, 2)).map((v) => 0.25 + 0.5 * v),
  },
  {
    name: "matte bleeding into the bottom 10 % of the frame",
    kind: "bad",
    expect: "refused",
    make: (a) =>
      blur(
        map(a, (v, _, y) => (y >= 0.9 * SIDE ? 1 : v)),
        2,
      ),
  },
  {
    name: "matte bleeding into the bottom 30 % of the frame",
    kind: "bad",
    expect: "refused",
    make: (a) =>
      blur(
        map(a, (v, _, y) => (y >= 0.7 * SIDE ? 1 : v)),
        2,
      ),
  },
  { name: "empty", kind: "bad", expect: "refused", make: (a) => a.map(() => 0) },
];

/** A degraded 1024² alpha read as segment.ts reads a model's output. */
export async function read(ref: Reference, alpha: Float32Array): Promise<SegmentedMatte & { iou: number }> {
  const square = Buffer.from(alpha.map((a) => Math.round(a * 255)));
  const grid = await sharp(square, { raw: { width: SIDE, height: SIDE, channels: 1 } })
    .resize(ref.gridWidth, ref.gridHeight, { fit: "fill", kernel: "linear" })
    .extractChannel(0)
    .raw()
    .toBuffer();
  const matte = matteFromAlpha(grid, ref.gridRgb, ref.gridWidth, ref.gridHeight, {
    alpha: grid,
    alphaWidth: ref.gridWidth,
    alphaHeight: ref.gridHeight,
  });
  let [both, either] = [0, 0];
  for (let i = 0; i < matte.mask.length; i++) {
    both += matte.mask[i]! & ref.gridMask[i]!;
    either += matte.mask[i]! | ref.gridMask[i]!;
  }
  return { ...matte, iou: either > 0 ? both / either : 0 };
}

const f2 = (n: number) => n.toFixed(2);
const f3 = (n: number) => n.toFixed(3);
const signed = (n: number) => (n >= 0 ? "+" : "−") + Math.abs(n).toFixed(2);

async function main(): Promise<void> {
  const refs = await packshotReferences();
  const rows: string[] = [];
  const misread: string[] = [];
  for (const c of CASES) {
    const results: Array<SegmentedMatte & { iou: number; ref: string }> = [];
    for (const ref of refs) {
      const alpha = await c.make(ref.alpha);
      if (alpha) results.push({ ref: ref.name, ...(await read(ref, alpha)) });
    }
    const trusted = results.filter((r) => r.trusted).length;
    const min = (f: (r: (typeof results)[number]) => number) => Math.min(...results.map(f));
    const max = (f: (r: (typeof results)[number]) => number) => Math.max(...results.map(f));
    const border = min((r) => r.borderBackdrop);
    const uncertain = max((r) => r.uncertain);
    const cohesion = min((r) => r.cohesion);
    const share = `${f3(min((r) => r.productShare))}–${f3(max((r) => r.productShare))}`;
    rows.push(
      `| ${c.name} | ${c.kind} | ${trusted}/${results.length} | ${f2(border)} (${signed(border - SEGMENT_RULES.minBorderBackdrop)}) | ${share} | ` +
        `${f3(uncertain)} (${signed(SEGMENT_RULES.maxUncertain - uncertain)}) | ${f2(cohesion)} (${signed(cohesion - CUTOUT_RULES.minCohesion)}) | ${f2(min((r) => r.iou))} |`,
    );
    for (const r of results)
      if ((r.trusted ? "trusted" : "refused") !== expected(c, r.ref))
        misread.push(`${c.name} on ${r.ref}: ${r.trusted ? "trusted" : "refused"}, expected ${expected(c, r.ref)}`);
    console.log(`${c.name}: ${trusted}/${results.length} trusted`);
  }
  const blind = CASES.flatMap((c) => [
    ...(c.blindSpot ? [`- ${c.name}: ${c.blindSpot}.`] : []),
    ...(c.except && c.kind === "bad" ? [`- ${c.name}, on ${c.except.on.join(", ")}: ${c.except.why}.`] : []),
  ]);
  const md = `# Segmentation trust rules on synthetic mattes

Made by \`npx tsx bench/segment-rules.ts\` (${new Date().toISOString().slice(0, 10)}). **Synthetic**: no BiRefNet
weights exist on the test hosts, so these are not BiRefNet's outputs. References: the border mattes of the
packshot test set (tests/fixtures/packshots; ${refs.length} of them trusted and in one piece: ${refs.map((r) => r.name).join(", ")}),
put at the model's 1024 × 1024 output size and degraded the ways segmentation models succeed and fail, then
read exactly as lib/images/segment.ts reads a model's output (linear resize to the ${MATTE_RULES.side} px grid,
matteFromAlpha, cutoutQuality). Rules: border backdrop ≥ ${SEGMENT_RULES.minBorderBackdrop}, product share
${SEGMENT_RULES.minProductShare}–${SEGMENT_RULES.maxProductShare}, uncertain (alpha 0.1–0.9) ≤ ${SEGMENT_RULES.maxUncertain}, cohesion ≥ ${CUTOUT_RULES.minCohesion}.

Columns: how many references the case is trusted on; the worst border-backdrop share (margin to its
threshold; negative = refused by it); the product share's range; the worst uncertain share (margin);
the worst cohesion (margin); the lowest IoU of the mask with the reference's.

| case | kind | trusted | border backdrop (margin) | product share | uncertain (margin) | cohesion (margin) | IoU |
|---|---|---|---|---|---|---|---|
${rows.join("\n")}

${misread.length === 0 ? "Every case is classified as expected." : `Misclassified:\n${misread.map((m) => `- ${m}`).join("\n")}`}

Blind spots (bad mattes the rules trust, pinned as such by bench/segment-rules.test.ts):
${blind.join("\n")}
`;
  await writeFile(path.join(root, "bench", "results", "segment-rules.md"), md);
  console.log(md);
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
