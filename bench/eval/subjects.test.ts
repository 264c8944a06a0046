import { describe, expect, it } from "vitest";
import { dreambenchDir } from "../../lib/shared-data";
import { availableSubjects, loadSubjects, SubjectError } from "./subjects";

// Reads the shared DreamBench folder beside the repository (docs/recipe.md, "Evaluation data").
describe("DreamBench subjects", () => {
  it("lists the 17 subjects with photos, with their DreamBooth classes", async () => {
    const names = await availableSubjects(dreambenchDir());
    expect(names).toHaveLength(17);
    const [bear, boot] = await loadSubjects(dreambenchDir(), ["bear_plushie", "fancy_boot"]);
    expect(bear!.classNoun).toBe("stuffed animal");
    expect(boot!.classNoun).toBe("boot");
    expect(boot!.photos.length).toBeGreaterThanOrEqual(3);
    expect(boot!.photos.every((p) => /fancy_boot[/\\][^/\\]+\.(jpe?g|png)$/i.test(p))).toBe(true);
  });

  it("names the available subjects when one is unknown", async () => {
    const error = await loadSubjects(dreambenchDir(), ["dog"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubjectError);
    expect((error as Error).message).toMatch(/unknown subject "dog"; available: backpack, backpack_dog,/);
  });
});
