// Pins the trust rules' reading of the synthetic mattes of bench/segment-rules.ts (results in
// bench/results/segment-rules.md) on two packshots, a square carton and a portrait bottle: good
// mattes trusted, bad ones refused, and the rules' known blind spots trusted (so a change that
// closes or widens one shows here).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CASES, expected, packshotDir, read, reference, type Reference } from "./segment-rules";

describe("the segmentation trust rules on synthetic mattes", () => {
  for (const name of ["carton-0", "bottle-portrait"]) {
    it(`reads each good and bad matte of ${name} as expected`, async () => {
      const ref = (await reference(name, await readFile(path.join(packshotDir, `${name}.png`)))) as Reference;
      expect(ref).not.toBeNull();
      const got: Record<string, string> = {};
      const want: Record<string, string> = {};
      for (const c of CASES) {
        const alpha = await c.make(ref.alpha);
        if (!alpha) continue;
        got[c.name] = (await read(ref, alpha)).trusted ? "trusted" : "refused";
        want[c.name] = expected(c, name);
      }
      expect(got).toEqual(want);
      expect(Object.values(want).filter((w) => w === "trusted").length).toBeGreaterThanOrEqual(6);
    });
  }
});
