import { describe, expect, it } from "vitest";
import { GENERAL_SCENE_IDS, SCENE_PHRASES, scenePhrase } from "./scene-phrases";
import { LIBRARY_SCENES } from "./scenes";

describe("scene phrases", () => {
  it("has every general scene (library and research set) in every language, and nothing else", () => {
    for (const [locale, table] of Object.entries(SCENE_PHRASES)) {
      expect(Object.keys(table).sort(), locale).toEqual([...GENERAL_SCENE_IDS].sort());
      for (const [id, phrase] of Object.entries(table)) expect(phrase.trim(), `${locale} ${id}`).not.toBe("");
    }
    expect(GENERAL_SCENE_IDS.has("wood-table-g")).toBe(true);
    expect(GENERAL_SCENE_IDS.has("g7")).toBe(true);
  });

  it("answers a regional locale with its language, and nothing for specific scenes or unknown languages", () => {
    expect(scenePhrase("wood-table-g", "fr-CA")).toBe("sur une table en bois");
    expect(scenePhrase("g7", "de")).toBe("am Strand");
    const specific = LIBRARY_SCENES.find((s) => s.kind === "specific")!;
    expect(scenePhrase(specific.id, "fr")).toBeNull();
    expect(scenePhrase("wood-table-g", "ja")).toBeNull();
  });
});
