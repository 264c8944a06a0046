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
    if (existing.some((e) => e.name.toLowerCase() === preset.name.toLowerCase()))
      throw new BrandPresetError(`There is already a preset called “${preset.name}”.`, "name");
    return tx.brandPreset.create({ data: { shop, ...preset } });
  });
  return view(row);
}

/** Deletes a preset by its scene id; false when the shop has no such preset. */
export async function deleteBrandPreset(client: PrismaClient, shop: string, sceneId: string): Promise<boolean> {
  const { count } = await forShop(client, shop).brandPreset.deleteMany({ where: { id: presetRowId(sceneId) } });
  return count > 0;
}
