// A shop's brand presets: its own scenes (a name and a general or specific wording), saved once and
// used like library scenes in the studio, in bulk requests and in the default scenes of auto-generation.
import { forShop, type PrismaClient } from "./db";
import {
  BrandPresetError,
  MAX_BRAND_PRESETS,
  presetRowId,
  presetSceneId,
  validBrandPreset,
  type BrandPresetInput,
  type Scene,
} from "./scenes";

/** A preset as the UI shows it; `id` is its scene id. */
export interface BrandPreset extends Scene {
  kind: "general" | "specific";
  name: string;
}

const view = (row: { id: string; name: string; kind: string; text: string }): BrandPreset => ({
  id: presetSceneId(row.id),
  name: row.name,
  kind: row.kind === "specific" ? "specific" : "general",
  text: row.text,
});

export async function listBrandPresets(client: PrismaClient, shop: string): Promise<BrandPreset[]> {
  const rows = await forShop(client, shop).brandPreset.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return rows.map(view);
}

/** Saves a new preset. @throws BrandPresetError for bad input, a name already used, or too many presets */
export async function createBrandPreset(
  client: PrismaClient,
  shop: string,
  input: BrandPresetInput,
): Promise<BrandPreset> {
  const preset = validBrandPreset(input);
  const db = forShop(client, shop);
  const row = await db.$transaction(async (tx) => {
    const existing = await tx.brandPreset.findMany({ select: { name: true } });
    if (existing.length >= MAX_BRAND_PRESETS)
      throw new BrandPresetError(`A shop can keep at most ${MAX_BRAND_PRESETS} brand presets; delete one first.`);
    if (existing.some((e) => sameName(e.name, preset.name))) throw nameTaken(preset.name);
    return tx.brandPreset.create({ data: { shop, ...preset } });
  });
  return view(row);
}

/**
 * Changes a preset's name and wording. Its scene id stays: default scenes keep it, and requests from now on use
 * the new words (requests already made keep the words they were made with).
 * @throws BrandPresetError for bad input, a name another preset has, or a preset that is not the shop's
 */
export async function updateBrandPreset(
  client: PrismaClient,
  shop: string,
  sceneId: string,
  input: BrandPresetInput,
): Promise<BrandPreset> {
  const preset = validBrandPreset(input);
  const id = presetRowId(sceneId);
  const db = forShop(client, shop);
  const row = await db.$transaction(async (tx) => {
    const existing = await tx.brandPreset.findMany({ select: { id: true, name: true } });
    if (!existing.some((e) => e.id === id)) throw new BrandPresetError(PRESET_GONE);
    if (existing.some((e) => e.id !== id && sameName(e.name, preset.name))) throw nameTaken(preset.name);
    return tx.brandPreset.update({ where: { id }, data: preset });
  });
  return view(row);
}

/** What the merchant reads about a preset deleted meanwhile (or another shop's id). */
export const PRESET_GONE = "This preset is already gone.";

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const nameTaken = (name: string) => new BrandPresetError(`There is already a preset called “${name}”.`, "name");

/** Deletes a preset by its scene id; false when the shop has no such preset. */
export async function deleteBrandPreset(client: PrismaClient, shop: string, sceneId: string): Promise<boolean> {
  const { count } = await forShop(client, shop).brandPreset.deleteMany({ where: { id: presetRowId(sceneId) } });
  return count > 0;
}
