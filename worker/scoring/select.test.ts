import { describe, expect, it } from "vitest";
import { DEFAULT_SELECTION_RULE, SelectionRuleError, selectCandidates, type SelectionRule } from "./select";
import type { Scores } from "./scorers";

const s = (itm: number, dino = 0.8, clipI = 0.9): Scores => ({ itm, dino, clipI, clipT: 0.3, itc: 0.4 });
const c = (id: string, scores: Scores) => ({ id, scores });

describe("selectCandidates", () => {
  it("selects ITM > 0.9 by default, ranks by ITM and keeps the caller's fields", () => {
    const ranked = selectCandidates([c("a", s(0.2)), c("b", s(0.95)), c("c", s(0.9)), c("d", s(0.99))]);
    expect(ranked.map((r) => [r.id, r.rank, r.selected])).toEqual([
      ["d", 1, true],
      ["b", 2, true],
      ["c", 3, false], // 0.9 is not > 0.9
      ["a", 4, false],
    ]);
    expect(ranked[2]!.reasons).toEqual(["itm 0.900 <= 0.9"]);
    expect(ranked[0]!.reasons).toEqual([]);
  });

  it("never selects a prompt-faithful image of the wrong product (fidelity floors)", () => {
    const [r] = selectCandidates([c("wrong product", s(0.999, 0.21, 0.6))]);
    expect(r!.selected).toBe(false);
    expect(r!.reasons).toEqual(["dino 0.210 < floor 0.5", "clipI 0.600 < floor 0.75"]);
    // a single floor is enough to refuse it
    const [only] = selectCandidates([c("x", s(0.999, 0.9, 0.6))]);
    expect(only!.reasons).toEqual(["clipI 0.600 < floor 0.75"]);
  });

  it("follows a configured rule: metric, threshold, floors, maximum", () => {
    const rule: SelectionRule = { metric: "clipT", threshold: 0.25, floors: { dino: 0.6 }, maxSelected: 1 };
    const ranked = selectCandidates(
      [c("1", { ...s(0), clipT: 0.31 }), c("2", { ...s(0), clipT: 0.33 }), c("3", { ...s(0, 0.4), clipT: 0.4 })],
      rule,
    );
    expect(ranked.map((r) => [r.id, r.selected])).toEqual([
      ["3", false],
      ["2", true],
      ["1", false],
    ]);
    expect(ranked[2]!.reasons).toEqual(["already 1 selected"]);
  });

  it("breaks ties by DINO, puts NaN scores last and never selects them", () => {
    const ranked = selectCandidates([c("a", s(0.95, 0.6)), c("nan", s(Number.NaN)), c("b", s(0.95, 0.7))]);
    expect(ranked.map((r) => r.id)).toEqual(["b", "a", "nan"]);
    expect(ranked[2]!.selected).toBe(false);
    expect(ranked[2]!.reasons).toContain("itm is not a number");
  });

  it("does not modify its input", () => {
    const input = [c("a", s(0.2)), c("b", s(0.95))];
    selectCandidates(input);
    expect(input.map((x) => x.id)).toEqual(["a", "b"]);
    expect(input[0]).not.toHaveProperty("rank");
  });

  it("rejects a malformed rule", () => {
    const bad = (patch: Partial<SelectionRule>) => () => selectCandidates([], { ...DEFAULT_SELECTION_RULE, ...patch });
    expect(bad({ metric: "foo" as never })).toThrow(SelectionRuleError);
    expect(bad({ threshold: 1.5 })).toThrow(/probability/);
    expect(bad({ floors: { itm: 0.5 } as never })).toThrow(/floors apply/);
    expect(bad({ maxSelected: -1 })).toThrow(SelectionRuleError);
  });
});
