/**
 * Scenes a request can name:
 * - the scene library (lib/scene-library.ts): what merchants pick from, ids `<theme>-g` / `<theme>-s`;
 * - the research set `SCENES` (docs/recipe.md): the paper's 20, ids g0–g9 general (short, open) and
 *   s10–s19 specific (detailed), paired by theme (n ↔ n + 10); #6, #8, #14, #16, #18 are the paper's
 *   own words. `npm run eval` uses it; shops that chose these scenes keep them;
 * - a shop's brand presets (lib/brand-presets.ts), ids `p-<row id>`;
 * - custom scenes written for one request, ids c0…
 */
import { DEFAULT_LIBRARY_SCENE_IDS, SCENE_THEMES, themeSceneId, themeSuits, type SceneTheme } from "./scene-library";

export type SceneKind = "general" | "specific" | "custom";

export interface Scene {
  id: string;
  kind: SceneKind;
  text: string;
}

const GENERAL = [
  "in the jungle",
  "with a mountain in the background",
  "with a house in the background",
  "on top of a wooden floor",
  "floating on top of water",
  "in the snow",
  "with a tree and autumn leaves in the background",
  "on the beach",
  "on a cobblestone street",
  "with a city in the background",
] as const;

const SPECIFIC = [
  "nestled among lush jungle foliage with soft rays of sunlight filtering through the canopy",
  "with a majestic snow-capped mountain rising in the background under a clear blue sky",
  "in front of a charming blue wooden house with white window frames on a quiet afternoon",
  "resting on a polished oak floor in a bright, minimalist Scandinavian living room",
  "peacefully drifting on the tranquil surface of a crystal-clear lake",
  "sitting in fresh powdery snow with snowflakes gently falling in soft winter light",
  "adorned with the vibrant colors of autumn leaves, standing tall beside a serene lake",
  "on golden sand at a sunny tropical beach with turquoise waves in the background",
  "stands elegantly amidst the historic charm of a cobblestone street",
  "with a glittering modern city skyline at dusk in the background",
] as const;

/** The research set: the paper's 20 scenes (`npm run eval`, and shops that chose them). */
export const SCENES: readonly Scene[] = [
  ...GENERAL.map((text, i) => ({ id: `g${i}`, kind: "general" as const, text })),
  ...SPECIFIC.map((text, i) => ({ id: `s${i + 10}`, kind: "specific" as const, text })),
];

/** The scene library, each theme as its general scene then its specific one. */
export const LIBRARY_SCENES: readonly Scene[] = SCENE_THEMES.flatMap((theme) => [
  { id: themeSceneId(theme.key, "general"), kind: "general" as const, text: theme.general },
  { id: themeSceneId(theme.key, "specific"), kind: "specific" as const, text: theme.specific },
]);

/** The default scene set for a new shop (from the library). */
export const DEFAULT_SCENE_IDS: readonly string[] = DEFAULT_LIBRARY_SCENE_IDS;

const BUILT_IN = new Map([...LIBRARY_SCENES, ...SCENES].map((scene) => [scene.id, scene]));
const THEME_OF = new Map<string, SceneTheme>(
  SCENE_THEMES.flatMap((theme) => [
    [themeSceneId(theme.key, "general"), theme],
    [themeSceneId(theme.key, "specific"), theme],
  ]),
);

export const CUSTOM_SCENE_MAX_LENGTH = 160;

export class SceneError extends Error {
  override name = "SceneError";
}

export const isBuiltInSceneId = (id: string) => BUILT_IN.has(id);

/** Brand presets: a shop's own saved scenes. */
export const MAX_BRAND_PRESETS = 20;
export const PRESET_NAME_MAX_LENGTH = 40;
const PRESET_PREFIX = "p-";
export const presetSceneId = (rowId: string) => `${PRESET_PREFIX}${rowId}`;
export const isPresetSceneId = (id: string) => id.startsWith(PRESET_PREFIX) && /^[\w-]{3,60}$/.test(id);
export const presetRowId = (sceneId: string) => sceneId.slice(PRESET_PREFIX.length);

/** A library, research or (given the shop's presets) preset scene. */
export function sceneById(id: string, presets: readonly Scene[] = []): Scene {
  const scene = BUILT_IN.get(id) ?? presets.find((s) => s.id === id);
  if (scene) return scene;
  if (isPresetSceneId(id)) throw new SceneError("One of the brand presets picked was deleted; pick the scenes again.");
  throw new SceneError(`unknown scene "${id}"`);
}

/** Whether a scene suits a product: library scenes follow their theme's class rule, every other scene suits all. */
export function sceneSuits(id: string, product: { classNoun: string; productType?: string }): boolean {
  const theme = THEME_OF.get(id);
  return !theme || themeSuits(theme, product);
}

/** A merchant's words as a scene: no markup, no control characters, one line, any language. */
function cleanText(raw: string): string {
  return raw
    .normalize("NFC")
    .replace(/<[^>]*>/g, " ")
    .replace(/[<>{}[\]\\`]/g, " ")
    .replace(/[\p{Cc}\p{Cf}]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Cleans a merchant's own scene text: no markup, no control characters, one line, any language,
 * at most 160 characters (a longer prompt is cut by the text encoder's 77 tokens anyway).
 */
export function customScene(raw: string, index = 0): Scene {
  const text = cleanText(raw);
  if (text.length === 0) throw new SceneError("A custom scene needs some words, e.g. “on a marble kitchen counter”.");
  if (text.length > CUSTOM_SCENE_MAX_LENGTH) {
    throw new SceneError(
      `A custom scene can be at most ${CUSTOM_SCENE_MAX_LENGTH} characters (this one has ${text.length}).`,
    );
  }
  return { id: `c${index}`, kind: "custom", text };
}

/** A brand preset's fields as the merchant typed them. */
export interface BrandPresetInput {
  name: string;
  kind: string;
  text: string;
}

/** A bad brand preset; `field` is the form field to fix. */
export class BrandPresetError extends SceneError {
  override name = "BrandPresetError";
  constructor(
    message: string,
    readonly field: "name" | "kind" | "text" | null = null,
  ) {
    super(message);
  }
}

/** Cleans a brand preset like a custom scene, and its name. */
export function validBrandPreset(input: BrandPresetInput): {
  name: string;
  kind: "general" | "specific";
  text: string;
} {
  const name = cleanText(input.name);
  if (name.length === 0) throw new BrandPresetError("Give the preset a name, e.g. “Our shop counter”.", "name");
  if (name.length > PRESET_NAME_MAX_LENGTH)
    throw new BrandPresetError(`A preset name can be at most ${PRESET_NAME_MAX_LENGTH} characters.`, "name");
  if (input.kind !== "general" && input.kind !== "specific")
    throw new BrandPresetError("Choose whether the wording is general or specific.", "kind");
  let text: string;
  try {
    text = customScene(input.text).text;
  } catch (error) {
    throw new BrandPresetError((error as Error).message, "text");
  }
  return { name, kind: input.kind, text };
}
