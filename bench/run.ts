// `npm run bench`: every benchmark in one run; each figure with its baseline measured in the same
// run and the ratio. Writes bench/results/latest.json and latest.md; GPU figures recorded on a GPU
// host (bench/results/gpu-*.json) are carried into the table with the card named.
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "../lib/config";
import type { Figure } from "./figure";

type Bench = (log: (line: string) => void) => Promise<Figure[]>;

const BENCHES: Array<[string, () => Promise<{ default: Bench }>]> = [
  ["upscale", () => import("./upscale.bench")],
  ["upscale-finetune", () => import("./upscale-finetune.bench")],
  ["scoring", () => import("./scoring.bench")],
  ["enqueue", () => import("./enqueue.bench")],
  ["orchestration", () => import("./orchestration.bench")],
  ["dashboard", () => import("./dashboard.bench")],
  ["exact-product", () => import("./exact-product.bench")],
];
// Groups run only when named (`npm run bench -- upscale-finetune`): fine-tuning ESRGAN takes ~15 min on 2 cores.
const ON_REQUEST = new Set(["upscale-finetune"]);

interface Entry extends Figure {
  machine: string;
  date: string;
}

function machine(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? "unknown CPU";
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
}

function fmt(n: number): string {
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const date = new Date().toISOString();
  const host = machine();
  const entries: Entry[] = [];
  for (const [name, load] of BENCHES) {
    if (only.length > 0 ? !only.includes(name) : ON_REQUEST.has(name)) continue;
    const bench = (await load()).default;
    for (const f of await bench((line) => console.log(line))) entries.push({ ...f, machine: host, date });
  }
  const resultsDir = path.join(projectRoot, "bench", "results");
  mkdirSync(resultsDir, { recursive: true });
  const carried = readdirSync(resultsDir)
    .filter((f) => /^gpu-.*\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(path.join(resultsDir, f), "utf8")) as unknown)
    // Figures in this table's form; the GPU bench's own reports (gpu-<card>.json, an object with the
    // products-per-GPU-hour model) stay beside it, linked from the README.
    .flatMap((figures) => (Array.isArray(figures) ? (figures as Entry[]) : []));
  // A run of some groups keeps the other groups' figures from the last run (each with its own date).
  const previousFile = path.join(resultsDir, "latest.json");
  const kept =
    only.length > 0 && existsSync(previousFile)
      ? (JSON.parse(readFileSync(previousFile, "utf8")) as Entry[]).filter(
          (e) => !entries.some((n) => n.name === e.name) && !carried.some((c) => c.name === e.name),
        )
      : [];
  const all = [...kept, ...entries, ...carried];
  writeFileSync(path.join(resultsDir, "latest.json"), `${JSON.stringify(all, null, 2)}\n`);
  const rows = all.map(
    (e) =>
      `| ${e.name} | ${fmt(e.value)} ${e.unit} | ${e.baseline} | ${fmt(e.baselineValue)} ${e.unit} | ${fmt(e.ratio)}× | ${e.goal} | ${e.machine} |`,
  );
  const table = [
    `# Benchmarks`,
    ``,
    `Run: ${date} on ${host}${existsSync("/proc/loadavg") ? ` (load average at the end: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")})` : ""}.`,
    `Reproduce with \`npm run bench\` (or \`npm run bench -- upscale\` for one group).`,
    ...(kept.length > 0
      ? [
          `This run measured ${only.join(", ")}; ${kept.length} figures are kept from earlier runs (each figure's date is in latest.json).`,
        ]
      : []),
    ``,
    `| figure | value | baseline (same run) | baseline value | ratio | goal | machine |`,
    `|---|---|---|---|---|---|---|`,
    ...rows,
    ``,
  ].join("\n");
  writeFileSync(path.join(resultsDir, "latest.md"), table);
  console.log(`\n${table}`);
}

main().then(
  // Once the results are written the runner is done: after the full run (not after any group alone)
  // one Redis connection was still open and kept the process alive.
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
