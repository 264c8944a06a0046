// `npm run test:faults`: the fault suite (tests/faults, every case: FAULTS=full) against the real
// stack after the same idempotent setup as `npm test`, then its table — per group and in total:
// cases tried, passed, data lost, duplicates created, cross-shop reads — printed and written to
// bench/results/faults.md and faults.json. Exits 1 when any case did not pass.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setup } from "./setup.mjs";
import { ensureRedis } from "./lib/services.mjs";
import { faultTableMarkdown, summarise } from "./lib/fault-table.mjs";
import { StepError, root, run } from "./lib/run.mjs";

// This run's own folder: another vitest run of tests/faults at the same time must not mix in its outcomes.
const outcomesDir = path.join(root, "test-artifacts", `faults-run-${process.pid}`);
const resultsDir = path.join(root, "bench", "results");
const log = (line) => console.log(`test:faults: ${line}`);

function readOutcomes() {
  if (!existsSync(outcomesDir)) return [];
  return readdirSync(outcomesDir)
    .filter((f) => f.endsWith(".json"))
    .flatMap((f) => JSON.parse(readFileSync(path.join(outcomesDir, f), "utf8")).outcomes);
}

async function main() {
  const started = Date.now();
  await setup({ log: (line) => console.log(`setup: ${line}`) });
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  await ensureRedis(redisUrl, log);
  rmSync(outcomesDir, { recursive: true, force: true });

  let vitestOk = true;
  try {
    await run("npx", ["vitest", "run", "tests/faults", ...process.argv.slice(2)], {
      env: { REDIS_URL: redisUrl, NODE_ENV: "test", FAULTS: "full", FAULTS_OUTCOMES_DIR: outcomesDir },
      label: "vitest",
    });
  } catch (error) {
    if (!(error instanceof StepError)) throw error;
    vitestOk = false;
  }

  const outcomes = readOutcomes();
  rmSync(outcomesDir, { recursive: true, force: true });
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const note = `\`npm run test:faults\` on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPU cores, the \`tiny\` model profile; ${minutes} min including setup. Data lost, duplicates and cross-shop reads are counted by audits of the database, the queues and the local store's media after each case.`;
  const markdown = faultTableMarkdown(outcomes, { note });
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, "faults.md"), markdown);
  writeFileSync(
    path.join(resultsDir, "faults.json"),
    `${JSON.stringify({ date: new Date().toISOString(), minutes: Number(minutes), ...summarise(outcomes), outcomes }, null, 2)}\n`,
  );
  console.log(`\n${markdown}`);
  log(`written to bench/results/faults.md and faults.json`);

  const { total } = summarise(outcomes);
  const ok =
    vitestOk &&
    total.tried > 0 &&
    total.passed === total.tried &&
    total.lost + total.duplicates + total.crossShopReads === 0;
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(`test:faults: ${error instanceof StepError ? error.message : error.stack}`);
  process.exit(1);
});
