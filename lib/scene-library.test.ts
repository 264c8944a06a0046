import { describe, expect, it } from "vitest";
import { PRODUCT_GROUPS, productGroups, SCENE_CATEGORIES, SCENE_THEMES, themeSuits } from "./scene-library";
import {
  BrandPresetError,
  customScene,
  DEFAULT_SCENE_IDS,
  isPresetSceneId,
  LIBRARY_SCENES,
  presetSceneId,
  SCENES,
  sceneById,
  SceneError,
  sceneSuits,
  validBrandPreset,
} from "./scenes";

const theme = (key: string) => SCENE_THEMES.find((t) => t.key === key)!;

describe("the scene library", () => {
  it("has the categories shops think in, each with scenes", () => {
    expect(SCENE_CATEGORIES.map((c) => c.id)).toEqual(["studio", "surfaces", "rooms", "outdoors", "seasonal"]);
    for (const category of SCENE_CATEGORIES)
      expect(SCENE_THEMES.filter((t) => t.category === category.id).length).toBeGreaterThanOrEqual(3);
    expect(SCENE_THEMES.map((t) => t.name)).toEqual(
      expect.arrayContaining(["White seamless", "Marble countertop", "Kitchen counter", "Beach", "Holiday table"]),
    );
  });

  it("gives every theme a general and a longer specific wording, both valid scene text and all different", () => {
    for (const t of SCENE_THEMES) {
      expect(customScene(t.general).text, t.key).toBe(t.general);
      expect(customScene(t.specific).text, t.key).toBe(t.specific);
      expect(t.specific.split(" ").length, t.key).toBeGreaterThan(t.general.split(" ").length + 3);
    }
    const texts = [...LIBRARY_SCENES, ...SCENES].map((s) => s.text);
    expect(new Set(texts).size).toBe(texts.length);
    expect(LIBRARY_SCENES).toHaveLength(SCENE_THEMES.length * 2);
    expect(LIBRARY_SCENES.filter((s) => s.kind === "general")).toHaveLength(SCENE_THEMES.length);
  });

  it("has unique ids that collide with no research, custom or preset id", () => {
    const ids = [...LIBRARY_SCENES, ...SCENES].map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of LIBRARY_SCENES) {
      expect(s.id).toMatch(/^[a-z]+(-[a-z]+)*-[gs]$/);
      expect(s.id).not.toMatch(/^[gsc]\d+$/);
      expect(isPresetSceneId(s.id)).toBe(false);
      expect(sceneById(s.id)).toEqual(s);
    }
  });

  it("keeps the research set intact: g0–g9 general, s10–s19 specific, the paper's own words", () => {
    expect(SCENES.map((s) => s.id)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `g${i}`),
      ...Array.from({ length: 10 }, (_, i) => `s${i + 10}`),
    ]);
    expect(sceneById("g8").text).toBe("on a cobblestone street");
    expect(sceneById("s14").text).toBe("peacefully drifting on the tranquil surface of a crystal-clear lake");
    expect(sceneById("s16").text).toBe(
      "adorned with the vibrant colors of autumn leaves, standing tall beside a serene lake",
    );
  });

  it("draws a new shop's defaults from the library, scenes that suit any product", () => {
    expect(DEFAULT_SCENE_IDS.length).toBeGreaterThan(0);
    for (const id of DEFAULT_SCENE_IDS) {
      expect(LIBRARY_SCENES.some((s) => s.id === id)).toBe(true);
      expect(sceneSuits(id, { classNoun: "teapot" })).toBe(true);
    }
  });
});

describe("class rules", () => {
  it("reads a product's groups from the last word of its class noun and product type, singular or plural", () => {
    expect(productGroups({ classNoun: "sofa" })).toEqual(["large"]);
    expect(productGroups({ classNoun: "coffee table" })).toEqual(["large"]);
    expect(productGroups({ classNoun: "table lamp" })).toEqual([]);
    expect(productGroups({ classNoun: "seat", productType: "Living Room Furniture" })).toEqual(["large"]);
    expect(productGroups({ classNoun: "product", productType: "Sneakers" })).toEqual(["footwear"]);
    expect(productGroups({ classNoun: "dress", productType: "Dresses" })).toEqual(["apparel"]);
    expect(productGroups({ classNoun: "boot", productType: "Sofas" })).toEqual(["footwear", "large"]);
    expect(productGroups({ classNoun: "teapot", productType: "Kitchen" })).toEqual([]);
  });

  it("keeps a sofa off counters, tables and shelves, and shoes out of the kitchen; anything else goes anywhere", () => {
    const sofa = { classNoun: "sofa" };
    for (const key of ["kitchen", "marble", "wood-table", "desk", "bathroom", "holiday-table", "cafe"])
      expect(themeSuits(theme(key), sofa), key).toBe(false);
    for (const key of ["white-seamless", "living-room", "beach", "concrete", "autumn"])
      expect(themeSuits(theme(key), sofa), key).toBe(true);
    expect(sceneSuits("kitchen-g", { classNoun: "sneaker" })).toBe(false);
    expect(sceneSuits("wood-table-s", { classNoun: "sneaker" })).toBe(true);
    expect(sceneSuits("kitchen-s", { classNoun: "teapot" })).toBe(true);
    for (const t of SCENE_THEMES) expect(themeSuits(t, { classNoun: "candle" }), t.key).toBe(true);
    // Research, custom and preset scenes have no class rule.
    expect(sceneSuits("g3", { classNoun: "sofa" })).toBe(true);
    expect(sceneSuits("c0", { classNoun: "sofa" })).toBe(true);
    expect(sceneSuits(presetSceneId("abc"), { classNoun: "sofa" })).toBe(true);
  });

  it("names only known groups, each word in one group", () => {
    const words = Object.values(PRODUCT_GROUPS).flat();
    expect(new Set(words).size).toBe(words.length);
    for (const t of SCENE_THEMES) for (const g of t.notFor ?? []) expect(Object.keys(PRODUCT_GROUPS)).toContain(g);
  });
});

describe("brand preset scenes", () => {
  const preset = { id: presetSceneId("row1"), kind: "general" as const, text: "on our oak counter" };

  it("resolve only with the shop's presets; a missing one says it was deleted", () => {
    expect(sceneById(preset.id, [preset])).toBe(preset);
    expect(() => sceneById(preset.id)).toThrow(/brand presets picked was deleted/);
    expect(() => sceneById("nope")).toThrow(SceneError);
  });

  it("are cleaned like custom scenes and name the field to fix", () => {
    expect(
      validBrandPreset({ name: " Shop <b>counter</b> ", kind: "specific", text: "on our\u0007 oak counter\n" }),
    ).toEqual({
      name: "Shop counter",
      kind: "specific",
      text: "on our oak counter",
    });
    const fieldOf = (input: { name: string; kind: string; text: string }) => {
      try {
        validBrandPreset(input);
        return "valid";
      } catch (error) {
        expect(error).toBeInstanceOf(BrandPresetError);
        return (error as BrandPresetError).field;
      }
    };
    expect(fieldOf({ name: "", kind: "general", text: "on a table" })).toBe("name");
    expect(fieldOf({ name: "x".repeat(41), kind: "general", text: "on a table" })).toBe("name");
    expect(fieldOf({ name: "Counter", kind: "custom", text: "on a table" })).toBe("kind");
    expect(fieldOf({ name: "Counter", kind: "general", text: "<br/>" })).toBe("text");
    expect(fieldOf({ name: "Counter", kind: "general", text: "x".repeat(161) })).toBe("text");
  });
});
