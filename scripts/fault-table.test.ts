import { describe, expect, it } from "vitest";
import { faultTableMarkdown, summarise } from "./lib/fault-table.mjs";

const outcome = (group: string, name: string, passed: boolean, lost = 0, duplicates = 0, crossShopReads = 0) => ({
  group,
  name,
  short: false,
  passed,
  lost,
  duplicates,
  crossShopReads,
  findings: lost ? ["lost: request r1 is running with no job left"] : [],
  error: passed ? null : "boom",
  seconds: 1.5,
});

describe("the fault table", () => {
  it("sums per group, in the issue's order, and in total", () => {
    const { groups, total } = summarise([
      outcome("isolation", "a", true),
      outcome("bad inputs", "b", false, 2, 1),
      outcome("bad inputs", "c", true, 0, 0, 1),
    ]);
    expect(groups.map((g) => [g.group, g.tried, g.passed, g.lost, g.duplicates, g.crossShopReads])).toEqual([
      ["bad inputs", 2, 1, 2, 1, 1],
      ["platform faults", 0, 0, 0, 0, 0],
      ["infrastructure faults", 0, 0, 0, 0, 0],
      ["isolation", 1, 1, 0, 0, 0],
    ]);
    expect(total).toEqual({ tried: 3, passed: 2, lost: 2, duplicates: 1, crossShopReads: 1 });
  });

  it("lists what went wrong in the cases that did not pass", () => {
    const markdown = faultTableMarkdown([outcome("platform faults", "429 | on publish", false, 1)]);
    expect(markdown).toContain("| **total** | 1 | 0 | 1 | 0 | 0 |");
    expect(markdown).toContain(
      "- **platform faults: 429 | on publish** — boom\n  - lost: request r1 is running with no job left",
    );
    expect(markdown).toContain("| platform faults | 429 \\| on publish | FAILED | 1.5 |");
  });
});
