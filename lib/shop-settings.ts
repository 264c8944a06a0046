// A shop's SceneBooth settings (the Shop row), read with defaults and written with validation.
// Used by the settings page, the products/create webhook (auto-generation) and billing (caps).
import type { PrismaClient, Shop } from "./db";
import { MAX_IMAGES_PER_SCENE } from "./pipeline/request-scenes";
import { DEFAULT_SCENE_IDS, isBuiltInSceneId, isPresetSceneId, presetSceneId } from "./scenes";

export interface ShopSettings {
  autoGenerate: boolean;
  /** Scene ids (library, research set, the shop's brand presets) for auto-generation and bulk requests; never empty. */
  defaultSceneIds: string[];
  imagesPerScene: number;
  /** Candidates with BLIP ITM above this are the ones shown first (the paper's 0.9). */
  itmThreshold: number;
  /** Subject-fidelity floors for selection; null means the worker's default floor. */
  fidelityFloorDino: number | null;
  fidelityFloorClipI: number | null;
  autoPublish: boolean;
  /** Alt text of published images also in the shop's other languages (optional translation scopes). */
  translateAltText: boolean;
  /** Bulk and automatic requests go on when the photos share one background (the studio asks each time). */
  allowLowDiversity: boolean;
  /** Bulk and automatic requests take the fast exact-product lane (no tuning) even for products with enough photos to tune. */
  fastLane: boolean;
  /** USD per calendar month; null means no cap. */
  monthlyCapUsd: number | null;
}

export const DEFAULT_SHOP_SETTINGS: Readonly<ShopSettings> = Object.freeze({
  autoGenerate: false,
  defaultSceneIds: [...DEFAULT_SCENE_IDS],
  imagesPerScene: 4,
  itmThreshold: 0.9,
  fidelityFloorDino: null,
  fidelityFloorClipI: null,
  autoPublish: false,
  translateAltText: false,
  allowLowDiversity: false,
  fastLane: false,
  monthlyCapUsd: null,
});

/** Invalid settings; `fields` maps each offending setting to a message a merchant can act on. */
export class ShopSettingsError extends Error {
  override name = "ShopSettingsError";
  constructor(readonly fields: Partial<Record<keyof ShopSettings, string>>) {
    super(Object.values(fields).join(" "));
  }
}

/** A scene id a shop may keep: built in, or one of its presets (any preset-shaped id when they are not known). */
const knownSceneId = (id: string, presetIds?: ReadonlySet<string>) =>
  isBuiltInSceneId(id) || (presetIds ? presetIds.has(id) : isPresetSceneId(id));

function parseSceneIds(json: string, presetIds?: ReadonlySet<string>): string[] {
  try {
    const ids = JSON.parse(json) as unknown;
    if (Array.isArray(ids)) {
      // A deleted preset drops out; nothing left means the default set.
      const known = ids.filter((id): id is string => typeof id === "string" && knownSceneId(id, presetIds));
      if (known.length > 0) return known;
    }
  } catch {
    // A damaged value falls back to the default set.
  }
  return [...DEFAULT_SCENE_IDS];
}

/** The settings of a Shop row; given the shop's preset scene ids, scenes of deleted presets are left out. */
export function settingsFromRow(row: Shop | null, presetIds?: ReadonlySet<string>): ShopSettings {
  if (!row) return { ...DEFAULT_SHOP_SETTINGS, defaultSceneIds: [...DEFAULT_SHOP_SETTINGS.defaultSceneIds] };
  return {
    autoGenerate: row.autoGenerate,
    defaultSceneIds: parseSceneIds(row.defaultSceneIds, presetIds),
    imagesPerScene: row.imagesPerScene,
    itmThreshold: row.itmThreshold,
    fidelityFloorDino: row.fidelityFloorDino,
    fidelityFloorClipI: row.fidelityFloorClipI,
    autoPublish: row.autoPublish,
    translateAltText: row.translateAltText,
    allowLowDiversity: row.allowLowDiversity,
    fastLane: row.fastLane,
    monthlyCapUsd: row.monthlyCapUsd,
  };
}

async function presetSceneIds(client: PrismaClient, shop: string): Promise<Set<string>> {
  const rows = await client.brandPreset.findMany({ where: { shop }, select: { id: true } });
  return new Set(rows.map((r) => presetSceneId(r.id)));
}

export async function readShopSettings(client: PrismaClient, shop: string): Promise<ShopSettings> {
  const [row, presetIds] = await Promise.all([
    client.shop.findUnique({ where: { shop } }),
    presetSceneIds(client, shop),
  ]);
  return settingsFromRow(row, presetIds);
}

/** The ids a message may quote: short plain ids as they are, anything else (markup, long text) only counted. */
function shownIds(ids: string[]): string {
  const plain = ids.filter((id) => /^[\w-]{1,40}$/.test(id));
  const others = ids.length - plain.length;
  return [
    ...plain,
    ...(others > 0
      ? [`${others} value${others === 1 ? "" : "s"} that ${others === 1 ? "is not a scene id" : "are not scene ids"}`]
      : []),
  ].join(", ");
}

const unit = (v: number | null) => v === null || (Number.isFinite(v) && v >= 0 && v <= 1);

/**
 * Checks a complete settings value against the shop's preset scene ids; throws ShopSettingsError
 * naming every bad field.
 */
export function validateShopSettings(s: ShopSettings, presetIds: ReadonlySet<string> = new Set()): ShopSettings {
  const fields: ShopSettingsError["fields"] = {};
  const unknown = s.defaultSceneIds.filter((id) => !knownSceneId(id, presetIds));
  if (s.defaultSceneIds.length === 0) fields.defaultSceneIds = "Pick at least one scene.";
  else if (unknown.length > 0) fields.defaultSceneIds = `Unknown scenes: ${shownIds(unknown)}.`;
  if (!Number.isInteger(s.imagesPerScene) || s.imagesPerScene < 1 || s.imagesPerScene > MAX_IMAGES_PER_SCENE) {
    fields.imagesPerScene = `Images per scene must be a whole number from 1 to ${MAX_IMAGES_PER_SCENE}.`;
  }
  if (!Number.isFinite(s.itmThreshold) || s.itmThreshold < 0 || s.itmThreshold > 1)
    fields.itmThreshold = "The best-match threshold must be between 0 and 1.";
  if (!unit(s.fidelityFloorDino))
    fields.fidelityFloorDino = "The shape-and-details minimum must be between 0 and 1, or empty for the default.";
  if (!unit(s.fidelityFloorClipI))
    fields.fidelityFloorClipI = "The overall-look minimum must be between 0 and 1, or empty for the default.";
  if (s.monthlyCapUsd !== null && !(Number.isFinite(s.monthlyCapUsd) && s.monthlyCapUsd >= 0)) {
    fields.monthlyCapUsd = "The monthly cap must be an amount of 0 or more, or empty for no cap.";
  }
  if (Object.keys(fields).length > 0) throw new ShopSettingsError(fields);
  return { ...s, defaultSceneIds: [...new Set(s.defaultSceneIds)] };
}

/** Validates and stores a shop's settings (creating its row if needed); returns what was stored. */
export async function saveShopSettings(
  client: PrismaClient,
  shop: string,
  settings: ShopSettings,
): Promise<ShopSettings> {
  const presetIds = await presetSceneIds(client, shop);
  const valid = validateShopSettings(settings, presetIds);
  const data = { ...valid, defaultSceneIds: JSON.stringify(valid.defaultSceneIds) };
  const row = await client.shop.upsert({ where: { shop }, create: { shop, ...data }, update: data });
  return settingsFromRow(row, presetIds);
}
