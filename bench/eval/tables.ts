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
