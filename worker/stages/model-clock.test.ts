import { describe, expect, it } from "vitest";
import { ModelClock } from "./model-clock";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("ModelClock", () => {
  it("counts overlapping calls' wall time once, and calls one after another in full", async () => {
    const clock = new ModelClock();
    await Promise.all([clock.time(() => sleep(200)), clock.time(() => sleep(200)), clock.time(() => sleep(200))]);
    expect(clock.seconds).toBeGreaterThanOrEqual(0.19);
    expect(clock.seconds).toBeLessThan(0.5); // summed, it would be ≥ 0.6
    await clock.time(() => sleep(100));
    expect(clock.seconds).toBeGreaterThanOrEqual(0.29);
  });
});
