// `npm run lint`: ESLint, Prettier (check) and ruff (lint + format check) over the repository;
// `npm run lint -- --fix` writes the fixes instead. `npm test` runs the same checks first.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { StepError, root, run } from "./lib/run.mjs";

const ruff = path.join(root, ".venv", "bin", "ruff");
const tuner = path.join(root, "worker", "tuner");

/** The checks in order: [label, command, args, args with --fix]. */
const CHECKS = [
  ["eslint", "npx", ["eslint", "."], ["eslint", ".", "--fix"]],
  [
    "prettier",
    "npx",
    ["prettier", "--check", "--log-level", "warn", "."],
    ["prettier", "--write", "--log-level", "warn", "."],
  ],
  ["ruff check", ruff, ["check", tuner], ["check", "--fix", tuner]],
  ["ruff format", ruff, ["format", "--check", tuner], ["format", tuner]],
];

/** Runs every check (all of them, even after a failure); returns the labels that failed. */
export async function lint({ fix = false, log = (line) => console.log(`lint: ${line}`) } = {}) {
  const failed = [];
  for (const [label, command, args, fixArgs] of CHECKS) {
    try {
      await run(command, fix ? fixArgs : args, { label });
      log(`${label}: ok`);
    } catch (error) {
      if (!(error instanceof StepError)) throw error;
      log(`${label}: FAILED${fix ? "" : " (npm run lint -- --fix writes what it can)"}`);
      failed.push(label);
    }
  }
  return { checks: CHECKS.length, failed };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  lint({ fix: process.argv.includes("--fix") }).then(({ failed }) => process.exit(failed.length > 0 ? 1 : 0));
}
