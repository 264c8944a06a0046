// `npm run setup`: installs what is missing, idempotently: npm dependencies, the tuner's Python
// environment, the Prisma client and migrations, the model files, and the app build. The demo and
// the test command call it first; a second run only checks stamps and takes seconds. The test
// command adds the "chromium" step (the browser tests' Chromium); `npm run setup chromium` runs it alone.
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ensureChromium } from "./lib/chromium.mjs";
import { StepError, hashFiles, root, run, stampMatches, writeStamp } from "./lib/run.mjs";

const PYTHON_EXTRAS = [
  // moto's server is the S3-compatible stand-in the S3 blob store's tests run against.
  "moto[server]==5.2.5",
];
const PYTHON_EXTRAS_NO_DEPS = [
  // open_clip_torch ships the CLIP BPE vocabulary; its torchvision dependency is not needed for that.
  "open_clip_torch==3.3.0",
];

function checkNode(log) {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    throw new StepError(`Node ${process.versions.node} is too old: SceneBooth needs Node 22.12 or newer.`);
  }
  // package.json's engines (what production runs); Node 20 reached its end of life in April 2026.
  if (major < 22) log(`Node ${process.versions.node} is past its end of life: SceneBooth supports Node 22.12 or newer`);
}

async function installNpmDependencies(log) {
  const stamp = path.join(root, "node_modules", ".scenebooth-deps");
  const inputs = hashFiles([path.join(root, "package-lock.json")]);
  if (stampMatches(stamp, inputs)) return;
  log("installing npm dependencies (npm ci)");
  // onnxruntime-node would otherwise try to download CUDA binaries; GPU images set cuda12.
  await run("npm", ["ci", "--no-audit", "--no-fund"], {
    env: { ONNXRUNTIME_NODE_INSTALL: process.env.ONNXRUNTIME_NODE_INSTALL ?? "skip" },
  });
  writeStamp(stamp, inputs);
}

async function findPython() {
  for (const candidate of [process.env.SCENEBOOTH_BASE_PYTHON, "python3.11", "python3.12", "python3.13", "python3"]) {
    if (!candidate) continue;
    try {
      const version = (
        await run(candidate, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], { quiet: true })
      ).trim();
      const [major, minor] = version.split(".").map(Number);
      if (major === 3 && minor >= 11) return candidate;
    } catch {
      // not installed; try the next one
    }
  }
  throw new StepError(
    "Python 3.11 or newer is needed for the tuner: install python3 (with venv) or set SCENEBOOTH_BASE_PYTHON.",
  );
}

async function installPythonEnvironment(log) {
  const venv = path.join(root, ".venv");
  const python = path.join(venv, "bin", "python");
  const stamp = path.join(venv, ".scenebooth-stamp");
  const inputs = hashFiles(
    [path.join(root, "worker", "tuner", "pyproject.toml")],
    JSON.stringify([PYTHON_EXTRAS, PYTHON_EXTRAS_NO_DEPS]),
  );
  if (existsSync(python) && stampMatches(stamp, inputs)) return;
  if (!existsSync(python)) {
    log("creating the Python environment (.venv)");
    await run(await findPython(), ["-m", "venv", venv]);
  }
  log("installing the tuner package and its pinned dependencies into .venv");
  // One resolve for everything with dependencies, one for what is installed without.
  const pipInstall = (...args) => run(python, ["-m", "pip", "install", "--quiet", ...args]);
  await pipInstall("-e", `${path.join(root, "worker", "tuner")}[test]`, ...PYTHON_EXTRAS);
  await pipInstall("--no-deps", ...PYTHON_EXTRAS_NO_DEPS);
  writeStamp(stamp, inputs);
}

function listFiles(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "generated" && entry.name !== "node_modules") listFiles(full, out);
    } else if (!/\.test\.tsx?$/.test(entry.name)) out.push(full);
  }
  return out;
}

async function buildApp(log) {
  const stamp = path.join(root, "build", ".scenebooth-stamp");
  const files = [
    ...listFiles(path.join(root, "app")),
    ...listFiles(path.join(root, "lib")),
    path.join(root, "vite.config.ts"),
    path.join(root, "package-lock.json"),
  ].sort();
  const inputs = hashFiles(files, files.map((f) => statSync(f).size).join(","));
  if (existsSync(path.join(root, "build", "server", "index.js")) && stampMatches(stamp, inputs)) return;
  log("building the app (remix vite:build)");
  await run("npx", ["remix", "vite:build"], { quiet: true, label: "remix vite:build" });
  writeStamp(stamp, inputs);
}

/** The steps in order; the Dockerfile runs a subset of them by name. */
export const STEPS = ["deps", "python", "database", "models", "build"];
/** Steps only some commands ask for: the browser of the UI tests (`npm test`). */
export const EXTRA_STEPS = ["chromium"];

/** What each step needs done first (among the steps asked for); the others run beside it. */
const NEEDS = { database: ["deps"], models: ["deps", "python"], build: ["deps"] };

/**
 * Runs `steps`, each as soon as the steps it needs are done: the npm install and the Python
 * environment (mostly downloads) go side by side, then the database, the models and the build.
 * `extra` adds a step of the caller's, { name: [needs, run] }, e.g. the tests' Node.
 */
export async function setup({ log = (line) => console.log(`setup: ${line}`), steps = STEPS, extra = {} } = {}) {
  const started = Date.now();
  checkNode(log);
  // First, so that a machine without Chromium hears how to get it before minutes of installs.
  if (steps.includes("chromium")) await ensureChromium({ log });
  const work = {
    deps: () => installNpmDependencies(log),
    python: () => installPythonEnvironment(log),
    database: async () => {
      const { prepareDatabase } = await import("./prepare-database.mjs");
      await prepareDatabase({ log });
    },
    models: async () => {
      const { prepareModels } = await import("./prepare-models.mjs");
      await prepareModels({ log });
    },
    build: () => buildApp(log),
  };
  const jobs = [
    ...STEPS.filter((step) => steps.includes(step)).map((step) => [step, NEEDS[step] ?? [], work[step]]),
    ...Object.entries(extra).map(([name, [needs, fn]]) => [name, needs, fn]),
  ];
  const running = new Map();
  const seconds = [];
  for (const [name, needs, fn] of jobs) {
    const before = needs.filter((need) => running.has(need)).map((need) => running.get(need));
    // A step whose prerequisite failed does not start; the first failure is the one reported.
    running.set(
      name,
      Promise.all(before).then(async () => {
        const start = Date.now();
        await fn();
        seconds.push(`${name} ${((Date.now() - start) / 1000).toFixed(1)}`);
      }),
    );
  }
  const results = await Promise.allSettled(running.values());
  const failure = results.find((result) => result.status === "rejected");
  if (failure) throw failure.reason;
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${seconds.join(", ")} s)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((step) => !STEPS.includes(step) && !EXTRA_STEPS.includes(step));
  if (unknown.length > 0) {
    console.error(`setup: unknown step(s) ${unknown.join(", ")}; steps are ${[...STEPS, ...EXTRA_STEPS].join(", ")}`);
    process.exit(2);
  }
  setup({ steps: requested.length > 0 ? requested : STEPS }).catch((error) => {
    console.error(`setup: ${error instanceof StepError ? error.message : error.stack}`);
    process.exit(1);
  });
}
