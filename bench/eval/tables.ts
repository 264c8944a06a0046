import { COMPARE_COLUMNS, type CompareColumn, type Comparison, type PairedDifference } from "./compare";
import {
  groupMeans,
  METRIC_LABELS,
  METRICS,
  metricSummaries,
  shownShare,
  type Metric,
  type ScoredImage,
  type Summary,
} from "./stats";

/** The paper's means over 10 products × 20 prompts (docs/recipe.md), printed beside ours. */
export const PAPER_MEANS: Record<"BLIP2Booth" | "DreamBooth", Record<Metric, number>> = {
  BLIP2Booth: { dino: 0.778, clipI: 0.883, clipT: 0.242, itm: 0.495, itc: 0.415 },
  DreamBooth: { dino: 0.71, clipI: 0.86, clipT: 0.239, itm: 0.494, itc: 0.424 },
};

export interface EvalTables {
  images: number;
  /** Table 2/3 layout: per metric mean, std, min, max. */
  summary: Record<Metric, Summary>;
  /** Means of general (0–9) and specific (10–19) prompts. */
  byKind: Array<{ kind: string; n: number; means: Record<Metric, number> }>;
  bySubject: Array<{ subject: string; n: number; means: Record<Metric, number> }>;
  /** Share of images with ITM > 0.9 (the ones the paper shows people). */
  shownShare: number;
  /** Means per text-encoder steps, when the ablation ran. */
  ablation?: Array<{ textEncoderSteps: number; n: number; means: Record<Metric, number> }>;
}

export function buildTables(images: readonly ScoredImage[], ablation?: readonly ScoredImage[]): EvalTables {
  return {
    images: images.length,
    summary: metricSummaries(images),
    byKind: groupMeans(images, (i) => i.sceneKind).map(({ group, ...rest }) => ({ kind: group, ...rest })),
    bySubject: groupMeans(images, (i) => i.subject).map(({ group, ...rest }) => ({ subject: group, ...rest })),
    shownShare: shownShare(images),
    ablation:
      ablation && ablation.length > 0
        ? groupMeans(ablation, (i) => i.textEncoderSteps)
            .sort((a, b) => a.group - b.group)
            .map(({ group, ...rest }) => ({ textEncoderSteps: group, ...rest }))
        : undefined,
  };
}

export function fmt(value: number | null): string {
  return value === null ? "–" : value.toFixed(3);
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

const metricHeader = METRICS.map((m) => METRIC_LABELS[m]);
const meanCells = (means: Record<Metric, number>) => METRICS.map((m) => fmt(means[m]));

/** The "specific − general" row, when both kinds were drawn. */
function kindDifference(t: EvalTables): string[][] {
  const general = t.byKind.find((k) => k.kind === "general");
  const specific = t.byKind.find((k) => k.kind === "specific");
  if (!general || !specific) return [];
  return [["specific − general", "", ...METRICS.map((m) => signed(specific.means[m] - general.means[m]))]];
}

function signed(value: number): string {
  return `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(3)}`;
}

/** The tables as Markdown: the paper's per-metric statistics, general vs specific, per subject, the ablation. */
export function renderTables(t: EvalTables): string {
  const lines = [
    `### Internal metrics over ${t.images} images (Table 2/3 layout)`,
    "",
    ...table(
      ["metric", "mean", "std", "min", "max"],
      METRICS.map((m) => [
        METRIC_LABELS[m],
        fmt(t.summary[m].mean),
        fmt(t.summary[m].std),
        fmt(t.summary[m].min),
        fmt(t.summary[m].max),
      ]),
    ),
    "",
    `Images with ITM > 0.9 (shown to people in the paper): ${(t.shownShare * 100).toFixed(1)} %`,
    "",
    "### Means: ours and the paper's",
    "",
    ...table(
      ["", ...metricHeader],
      [
        ["this run", ...METRICS.map((m) => fmt(t.summary[m].mean))],
        ...Object.entries(PAPER_MEANS).map(([name, means]) => [`paper: ${name}`, ...meanCells(means)]),
      ],
    ),
    "",
    "### General vs specific prompts (means)",
    "",
    ...table(
      ["prompts", "images", ...metricHeader],
      [...t.byKind.map((k) => [k.kind, String(k.n), ...meanCells(k.means)]), ...kindDifference(t)],
    ),
    "",
    "The paper: general prompts favour subject fidelity (DINO, CLIP-I), specific prompts prompt fidelity (CLIP-T, ITM, ITC).",
    "",
    "### Per subject (means)",
    "",
    ...table(
      ["subject", "images", ...metricHeader],
      t.bySubject.map((s) => [s.subject, String(s.n), ...meanCells(s.means)]),
    ),
  ];
  if (t.ablation) {
    lines.push(
      "",
      "### Ablation: text-encoder training steps (means)",
      "",
      ...table(
        ["TE steps", "images", ...metricHeader],
        t.ablation.map((a) => [String(a.textEncoderSteps), String(a.n), ...meanCells(a.means)]),
      ),
    );
  }
  return lines.join("\n");
}

const compareHeader = [...metricHeader, "ITM > 0.9"];

function columnCell(column: CompareColumn, value: number): string {
  return column === "shown" ? `${(value * 100).toFixed(1)} %` : fmt(value);
}

function differenceCell(column: CompareColumn, d: PairedDifference): string {
  const k = column === "shown" ? 100 : 1;
  const unit = column === "shown" ? " pp" : "";
  const s = (v: number) => `${v >= 0 ? "+" : "−"}${Math.abs(v * k).toFixed(column === "shown" ? 1 : 3)}`;
  return d.low === null || d.high === null ? `${s(d.diff)}${unit}` : `${s(d.diff)}${unit} [${s(d.low)}, ${s(d.high)}]`;
}

/** Two recipe variants in the paper's layout (a row per method, a column per metric), then B − A with 95 % CIs. */
export function renderComparison(c: Comparison): string {
  const row = (name: string, pick: (d: PairedDifference) => number) => [
    name,
    ...COMPARE_COLUMNS.map((col) => columnCell(col, pick(c.all[col]))),
  ];
  const diffRows = (label: string, n: number, columns: Record<CompareColumn, PairedDifference>) => [
    label,
    String(n),
    ...COMPARE_COLUMNS.map((col) => differenceCell(col, columns[col])),
  ];
  return [
    `### ${c.a} vs ${c.b}: means over ${c.pairs} paired images (Table 2/3 layout)`,
    "",
    ...table(
      ["variant", ...compareHeader],
      [
        row(c.a, (d) => d.meanA),
        row(c.b, (d) => d.meanB),
        [`${c.b} − ${c.a} [95 % CI]`, ...COMPARE_COLUMNS.map((col) => differenceCell(col, c.all[col]))],
        ["p (paired t)", ...COMPARE_COLUMNS.map((col) => (c.all[col].p === null ? "–" : c.all[col].p!.toFixed(3)))],
      ],
    ),
    "",
    "Pairs share subject, prompt and seed; the CI is Student's t over the paired differences. ITM > 0.9 is the",
    "share of images the paper shows people (its difference in percentage points).",
    "",
    `### ${c.b} − ${c.a} by prompt kind and subject: mean [95 % CI]`,
    "",
    ...table(
      ["images", "n", ...compareHeader],
      [
        ...c.byKind.map((k) => diffRows(`${k.kind} prompts`, k.n, k.columns)),
        ...c.bySubject.map((s) => diffRows(s.subject, s.n, s.columns)),
      ],
    ),
  ].join("\n");
}
