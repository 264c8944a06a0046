import { describe, expect, it } from "vitest";
import {
  ClassNounError,
  altText,
  generationPrompt,
  identifierToken,
  normalizeClassNoun,
  scoringPrompt,
  suggestClassNoun,
} from "./prompts";
import { CUSTOM_SCENE_MAX_LENGTH, DEFAULT_SCENE_IDS, SCENES, SceneError, customScene, sceneById } from "./scenes";

describe("prompts", () => {
  it("follows the paper's example", () => {
    expect(identifierToken("sneaker")).toBe("<mysneaker>");
    expect(generationPrompt("sneaker", "sitting on the top of a rock")).toBe(
      "a sneaker <mysneaker> sitting on the top of a rock",
    );
    expect(scoringPrompt("sneaker", "sitting on the top of a rock")).toBe("a sneaker sitting on the top of a rock");
    expect(identifierToken("Teddy  Bear")).toBe("<myteddybear>");
  });

  it("rejects class nouns that are not plain words", () => {
    for (const bad of [
      "",
      "   ",
      "<script>alert(1)</script>",
      "x".repeat(10_000),
      "shoe\u0000",
      "ботинок",
      "a b c d e",
    ]) {
      expect(() => normalizeClassNoun(bad), JSON.stringify(bad.slice(0, 20))).toThrow(ClassNounError);
    }
    expect(normalizeClassNoun(" Running-Shoe ")).toBe("running-shoe");
  });

  it("quotes a refused class noun without its markup or control characters", () => {
    const message = (raw: string) => {
      try {
        normalizeClassNoun(raw);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error(`${raw} was accepted`);
    };
    expect(message('<script>alert("x")</script>shoe')).toMatch(/^“alert\( x \) shoe” cannot be a class noun/);
    expect(message("<img src=x onerror=alert(1)>")).toMatch(/^This cannot be a class noun/);
    expect(message("tea\u0000pot\u001b[31m")).toMatch(/^“tea pot 31m” cannot be a class noun/);
    expect(message("x".repeat(10_000))).toContain(`“${"x".repeat(40)}”`);
  });

  it("suggests a class noun from the product type or title", () => {
    expect(suggestClassNoun("Footwear", "Retro Running Sneaker")).toBe("sneaker");
    expect(suggestClassNoun("Bags", "Trail rucksack 20L")).toBe("backpack");
    expect(suggestClassNoun("lamp", "Desk light")).toBe("lamp");
    expect(suggestClassNoun("", "Thing #4")).toBe("product");
  });

  it("writes alt text from the title and the scene", () => {
    expect(altText("Canvas Backpack", "backpack", "on the beach")).toBe("Canvas Backpack — a backpack on the beach");
  });
});

describe("scenes", () => {
  it("has the research set's 20 scenes, general then specific, and a default set that resolves", () => {
    expect(SCENES).toHaveLength(20);
    expect(SCENES.filter((s) => s.kind === "general")).toHaveLength(10);
    expect(sceneById("s18").text).toBe("stands elegantly amidst the historic charm of a cobblestone street");
    for (const id of DEFAULT_SCENE_IDS) expect(sceneById(id).id).toBe(id);
    expect(() => sceneById("g99")).toThrow(SceneError);
  });

  it("cleans custom scenes and refuses empty or overlong ones", () => {
    expect(customScene("  on a <b>marble</b>\u0007 counter\n").text).toBe("on a marble counter");
    expect(customScene("<script>alert(1)</script> on a table").text).toBe("alert(1) on a table");
    expect(customScene("sur une table en bois à Paris").text).toBe("sur une table en bois à Paris");
    expect(customScene("在海滩上").text).toBe("在海滩上");
    expect(() => customScene("<br/>\u0000 ")).toThrow(/needs some words/);
    expect(() => customScene("x".repeat(10_000))).toThrow(new RegExp(`at most ${CUSTOM_SCENE_MAX_LENGTH}`));
  });
});
