// Imports point down the layers: app → lib and worker → lib; scripts, devstore, bench and tests sit
// above all three. This test reads every product source file (tests excluded: they may use the
// stand-ins above) and lists each import that points the wrong way, as file:line.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const ABOVE_LIB = ["app", "worker", "devstore", "scripts", "tests", "bench"];

/** Top-level folder → folders its product code must not import from. */
const FORBIDDEN: Record<string, readonly string[]> = {
  lib: ABOVE_LIB,
  app: ["worker", "devstore", "scripts", "tests", "bench"],
  worker: ["app", "devstore", "scripts", "tests", "bench"],
};

const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const TEST = /\.(test|bench)\.(ts|tsx)$/;
const SKIPPED_DIRS = new Set(["node_modules", "generated", "build", "tuner"]);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) out.push(...sourceFiles(full));
    } else if (
      SOURCE.test(entry.name) &&
      !TEST.test(entry.name) &&
      !entry.name.endsWith(".d.ts") &&
      !entry.name.endsWith(".d.mts")
    ) {
      out.push(full);
    }
  }
  return out;
}

interface LayerViolation {
  /** "lib/foo.ts:12" */
  at: string;
  specifier: string;
}

/**
 * The imports of `text` (static import, export … from, import(), require()) that resolve into a
 * folder forbidden to the layer of `file` (a path relative to the repository root).
 */
function layerViolations(file: string, text: string): LayerViolation[] {
  const layer = file.split("/")[0]!;
  const forbidden = FORBIDDEN[layer] ?? [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const { importedFiles } = ts.preProcessFile(text, true, true);
  const violations: LayerViolation[] = [];
  for (const imported of importedFiles) {
    const specifier = imported.fileName;
    if (!specifier.startsWith(".")) continue; // packages
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
    const targetLayer = target.split("/")[0]!;
    if (target.startsWith("..") || !forbidden.includes(targetLayer)) continue;
    const line = source.getLineAndCharacterOfPosition(imported.pos).line + 1;
    violations.push({ at: `${file}:${line}`, specifier });
  }
  return violations;
}

describe("layers", () => {
  it("finds static, re-export, dynamic and require imports that point up, with their lines", () => {
    const text = [
      'import { a } from "./near";',
      'import type { B } from "../app/routes/x";',
      'export { c } from "../../worker/stages/errors";',
      'const d = await import("../scripts/prepare-database.mjs");',
      'import "../lib/db";',
      'const e = require("../devstore/seed");',
    ].join("\n");
    const found = layerViolations("lib/x.ts", text).sort((x, y) => x.at.localeCompare(y.at));
    expect(found).toEqual([
      { at: "lib/x.ts:2", specifier: "../app/routes/x" },
      { at: "lib/x.ts:4", specifier: "../scripts/prepare-database.mjs" },
      { at: "lib/x.ts:6", specifier: "../devstore/seed" },
    ]);
    expect(layerViolations("lib/pipeline/x.ts", text).map((v) => v.specifier)).toEqual(["../../worker/stages/errors"]);
    expect(
      layerViolations("app/services/x.server.ts", 'import { y } from "../../worker/scoring/select";'),
    ).toHaveLength(1);
    expect(layerViolations("worker/x.ts", 'import { y } from "../app/db.server";')).toHaveLength(1);
    expect(layerViolations("worker/x.ts", 'import { y } from "../lib/db";')).toEqual([]);
  });

  it("no product file imports from a layer above its own", () => {
    const offenders = Object.keys(FORBIDDEN).flatMap((layer) =>
      sourceFiles(path.join(root, layer)).flatMap((full) => {
        const file = path.relative(root, full).split(path.sep).join("/");
        return layerViolations(file, fs.readFileSync(full, "utf8")).map((v) => `${v.at} imports "${v.specifier}"`);
      }),
    );
    expect(offenders, `imports pointing up the layers:\n${offenders.join("\n")}`).toEqual([]);
  });
});
