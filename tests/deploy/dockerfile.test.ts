// The Dockerfile, without a Docker daemon (none runs in CI): hadolint (from PyPI) finds nothing, and
// both images install through the same setup script as the demo and CI and run as a numeric non-root user.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { config, projectRoot } from "../../lib/config";

const dockerfile = path.join(projectRoot, "Dockerfile");

it("passes hadolint (.hadolint.yaml: every finding fails, one rule ignored with its reason)", () => {
  const hadolint = path.join(path.dirname(config().python), "hadolint");
  try {
    execFileSync(hadolint, ["--config", path.join(projectRoot, ".hadolint.yaml"), dockerfile], { encoding: "utf8" });
  } catch (error) {
    throw new Error(`hadolint:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
  }
});

it("builds both targets with scripts/setup.mjs and runs them as a numeric non-root user", () => {
  const text = readFileSync(dockerfile, "utf8");
  const stages = text.split(/^FROM /m).slice(1);
  for (const target of ["app", "worker-gpu"]) {
    const stage = stages.find((s) => s.split("\n")[0]!.endsWith(` AS ${target}`));
    expect(stage, target).toBeDefined();
    expect(stage).toMatch(/node scripts\/setup\.mjs deps /);
    const user = stage!.match(/^USER (\S+)$/m)?.[1];
    expect(user, `${target}'s USER`).toMatch(/^[1-9]\d*(:\d+)?$/);
  }
});
