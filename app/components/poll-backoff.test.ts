import { describe, expect, it } from "vitest";
import { NO_BACKOFF, nextBackoff, pollDelayMs, POLL_MAX_MS, POLL_MS, type Backoff } from "./poll-backoff";

const answers = (signatures: string[]): number[] => {
  let state: Backoff = NO_BACKOFF;
  return signatures.map((s) => pollDelayMs((state = nextBackoff(state, s))));
};

describe("the studio's progress polling", () => {
  it("polls every second while the answer changes", () => {
    expect(answers(["a", "b", "c", "d"])).toEqual([POLL_MS, POLL_MS, POLL_MS, POLL_MS]);
  });

  it("backs off while nothing changes, up to its ceiling", () => {
    expect(answers(["a", "a", "a", "a", "a", "a", "a", "a"])).toEqual([
      1000,
      1500,
      2250,
      3375,
      POLL_MAX_MS,
      5000,
      5000,
      5000,
    ]);
  });

  it("is back to every second at the first change, and backs off again from there", () => {
    expect(answers(["a", "a", "a", "a", "b", "b", "b"])).toEqual([1000, 1500, 2250, 3375, 1000, 1500, 2250]);
  });
});
