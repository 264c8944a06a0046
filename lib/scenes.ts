/**
 * Scene prompts (docs/recipe.md): 0–9 general (short, open), 10–19 specific (detailed), paired by
 * theme (n ↔ n + 10); #6, #8, #14, #16, #18 are the paper's own words. Merchants may also write
 * their own scenes.
 */
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

export const SCENES: readonly Scene[] = [
  ...GENERAL.map((text, i) => ({ id: `g${i}`, kind: "general" as const, text })),
  ...SPECIFIC.map((text, i) => ({ id: `s${i + 10}`, kind: "specific" as const, text })),
];

/** The default scene set for a new shop: three general scenes and their specific twins. */
export const DEFAULT_SCENE_IDS = ["g5", "g7", "g8", "s15", "s17", "s18"] as const;

export const CUSTOM_SCENE_MAX_LENGTH = 160;

export class SceneError extends Error {
  override name = "SceneError";
}

export function sceneById(id: string): Scene {
  const scene = SCENES.find((s) => s.id === id);
  if (!scene) throw new SceneError(`unknown scene "${id}"`);
  return scene;
}

/**
 * Cleans a merchant's own scene text: no markup, no control characters, one line, any language,
 * at most 160 characters (a longer prompt is cut by the text encoder's 77 tokens anyway).
 */
export function customScene(raw: string, index = 0): Scene {
  const text = raw
    .normalize("NFC")
    .replace(/<[^>]*>/g, " ")
    .replace(/[<>{}[\]\\`]/g, " ")
    .replace(/[\p{Cc}\p{Cf}]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (text.length === 0) throw new SceneError("A custom scene needs some words, e.g. “on a marble kitchen counter”.");
  if (text.length > CUSTOM_SCENE_MAX_LENGTH) {
    throw new SceneError(
      `A custom scene can be at most ${CUSTOM_SCENE_MAX_LENGTH} characters (this one has ${text.length}).`,
    );
  }
  return { id: `c${index}`, kind: "custom", text };
}
