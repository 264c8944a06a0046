// `npm test`: everything — lint (ESLint, Prettier, ruff), the TypeScript suites (vitest: app, worker, database on SQLite and
// PostgreSQL, real Redis, real HTTP) and the tuner's pytest suite — after an idempotent setup.
// Ends with one line "N passed, N failed, N skipped" over both runners.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { lint } from "./lint.mjs";
import { STEPS, setup } from "./setup.mjs";
import { selectsBrowserTests } from "./lib/chromium.mjs";
import { ensurePostgres, ensureRedis } from "./lib/services.mjs";
import { TEST_NODE_VERSION, ensureTestNode } from "./lib/test-node.mjs";
import { StepError, root, run } from "./lib/run.mjs";
import { redactUrl } from "../lib/redact-url.mjs";

const args = process.argv.slice(2);
const only = args.includes("--ts-only") ? "ts" : args.includes("--py-only") ? "py" : "all";
const vitestFilters = args.filter((a) => !a.startsWith("--"));
const log = (line) => console.log(`test: ${line}`);
const artifacts = path.join(root, "test-artifacts");

async function runSuite(label, command, commandArgs, env) {
  try {
    await run(command, commandArgs, { env, label });
    return true;
  } catch (error) {
    if (error instanceof StepError) return false;
    throw error;
  }
}

function vitestCounts(file) {
  if (!existsSync(file)) return null;
  const report = JSON.parse(readFileSync(file, "utf8"));
  // A file that failed without a failing test (its beforeAll threw, it registered no test) counts as one failure.
  const failedFiles = report.testResults.filter(
    (file) => file.status === "failed" && !file.assertionResults.some((a) => a.status === "failed"),
  ).length;
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + failedFiles,
    skipped: report.numPendingTests + report.numTodoTests,
  };
}

function pytestCounts(file) {
  if (!existsSync(file)) return null;
  const xml = readFileSync(file, "utf8");
  const attr = (name) => Number(new RegExp(`<testsuite[^>]*\\s${name}="(\\d+)"`).exec(xml)?.[1] ?? 0);
  const failed = attr("failures") + attr("errors");
  const skipped = attr("skipped");
  return { passed: attr("tests") - failed - skipped, failed, skipped };
}

/** The tuner's pytest suite, its output kept until the end (it runs beside vitest: see main). */
async function runPytest(env) {
  const report = path.join(artifacts, "pytest.xml");
  const python = path.join(root, ".venv", "bin", "python");
  let ok = true;
  let output = "";
  try {
    output = await run(python, ["-m", "pytest", "worker/tuner/tests", "-q", `--junitxml=${report}`], {
      env,
      label: "pytest",
      quiet: true,
    });
  } catch (error) {
    if (!(error instanceof StepError)) throw error;
    ok = false; // run() has printed the end of its output
  }
  return { ok, output, counts: pytestCounts(report) };
}

async function main() {
  const started = Date.now();
  const browser = only !== "py" && selectsBrowserTests(vitestFilters);
  const setupLog = (line) => console.log(`setup: ${line}`);
  // Production's Node (package.json engines) where this machine's is older: first on PATH for vitest and what it
  // starts. Installed beside the Python environment and the build (it compiles better-sqlite3 once), after the
  // database step, which loads this Node's better-sqlite3 build that it moves to a folder of its own.
  let testNode = null;
  const testNodeStep = {
    "test node": [["deps", "database"], async () => void (testNode = await ensureTestNode({ log: setupLog }))],
  };
  await setup({
    log: setupLog,
    steps: browser ? [...STEPS, "chromium"] : STEPS,
    extra: only !== "py" ? testNodeStep : {},
  });
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  await ensureRedis(redisUrl, log);
  const postgresUrl = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  if (!(await ensurePostgres(postgresUrl, log))) {
    if (process.env.CI) throw new StepError(`PostgreSQL does not answer at ${redactUrl(postgresUrl)}; CI needs it.`);
    log(`PostgreSQL does not answer at ${redactUrl(postgresUrl)}: its tests will be skipped`);
  }
  mkdirSync(artifacts, { recursive: true });
  const env = { REDIS_URL: redisUrl, TEST_POSTGRES_URL: postgresUrl, NODE_ENV: "test" };
  const totals = { passed: 0, failed: 0, skipped: 0 };
  let ok = true;
  // Lint, then pytest, run beside vitest: lint and the tuner's tests are CPU-bound on one thread (the tiny
  // profile), vitest's mostly wait on the processes and servers it starts; together they take the time
  // of the longer one.
  const linting = vitestFilters.length === 0 && only === "all" ? lint() : null;
  const pytest =
    only !== "ts" && vitestFilters.length === 0 ? (linting ?? Promise.resolve()).then(() => runPytest(env)) : null;

  if (only !== "py") {
    const report = path.join(artifacts, "vitest.json");
    if (testNode)
      log(
        `TypeScript tests on Node ${TEST_NODE_VERSION} (${path.relative(root, testNode)}); this machine's Node is ${process.versions.node}`,
      );
    const tsEnv = testNode ? { ...env, PATH: `${testNode}${path.delimiter}${process.env.PATH ?? ""}` } : env;
    ok =
      (await runSuite(
        "vitest",
        "npx",
        ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...vitestFilters],
        tsEnv,
      )) && ok;
    const counts = vitestCounts(report);
    if (!counts) ok = false;
    else for (const key of Object.keys(totals)) totals[key] += counts[key];
  }
  if (linting) {
    // Each of the four lint checks counts as one test.
    const { checks, failed } = await linting;
    totals.passed += checks - failed.length;
    totals.failed += failed.length;
    ok = failed.length === 0 && ok;
  }
  if (pytest) {
    const { ok: pytestOk, output, counts } = await pytest;
    if (output) console.log(`pytest:\n${output.trim().split("\n").slice(-15).join("\n")}`);
    ok = pytestOk && ok;
    if (!counts) ok = false;
    else for (const key of Object.keys(totals)) totals[key] += counts[key];
  }

  log(`finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  process.exit(ok && totals.failed === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(`test: ${error instanceof StepError ? error.message : error.stack}`);
  process.exit(1);
});
