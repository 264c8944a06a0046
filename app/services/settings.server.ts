// The settings page: the form ↔ ShopSettings, and this month's spending against the cap.
import { listBrandPresets, type BrandPreset } from "../../lib/brand-presets";
import { db } from "../../lib/db";
import { MAX_IMAGES_PER_SCENE } from "../../lib/pipeline/request-scenes";
import { DEFAULT_SELECTION_RULE } from "../../lib/selection-rule";
import { readShopSettings, saveShopSettings, ShopSettingsError, type ShopSettings } from "../../lib/shop-settings";
import { TRANSLATION_SCOPES, translationScopesGranted } from "../../lib/pipeline/alt-translations";
import { authenticate } from "../shopify.server";
import type { ShopContext } from "./shop-context.server";

export type SettingsFieldErrors = Partial<Record<keyof ShopSettings, string>>;

const optionalNumber = (raw: FormDataEntryValue | null): number | null => {
  const text = String(raw ?? "").trim();
  return text === "" ? null : Number(text);
};

/** Reads the settings form; numbers the merchant left empty become "none". */
export function settingsFromForm(form: FormData): ShopSettings {
  return {
    autoGenerate: form.get("autoGenerate") === "on",
    defaultSceneIds: form.getAll("defaultSceneId").map(String),
    imagesPerScene: Number(form.get("imagesPerScene")),
    itmThreshold: Number(form.get("itmThreshold")),
    fidelityFloorDino: optionalNumber(form.get("fidelityFloorDino")),
    fidelityFloorClipI: optionalNumber(form.get("fidelityFloorClipI")),
    autoPublish: form.get("autoPublish") === "on",
    translateAltText: form.get("translateAltText") === "on",
    allowLowDiversity: form.get("allowLowDiversity") === "on",
    fastLane: form.get("fastLane") === "on",
    monthlyCapUsd: optionalNumber(form.get("monthlyCapUsd")),
  };
}

export interface SettingsPageData {
  settings: ShopSettings;
  spentThisMonthUsd: number;
  maxImagesPerScene: number;
  /** The floors the worker's selection rule uses when the shop sets none. */
  defaultFloors: { dino: number | null; clipI: number | null };
  presets: BrandPreset[];
  /** Alt text translations are on, but the store has not granted the translation scopes (declined, or not asked yet). */
  translationScopesMissing: boolean;
}

export async function loadSettings(ctx: ShopContext): Promise<SettingsPageData> {
  const now = new Date();
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const spent = await ctx.db.usageRecord.aggregate({
    where: { createdAt: { gte: monthStart } },
    _sum: { amountUsd: true },
  });
  const settings = await readShopSettings(db(), ctx.shop);
  return {
    settings,
    spentThisMonthUsd: spent._sum.amountUsd ?? 0,
    maxImagesPerScene: MAX_IMAGES_PER_SCENE,
    defaultFloors: {
      dino: DEFAULT_SELECTION_RULE.floors.dino ?? null,
      clipI: DEFAULT_SELECTION_RULE.floors.clipI ?? null,
    },
    presets: await listBrandPresets(db(), ctx.shop),
    translationScopesMissing: settings.translateAltText && !(await translationScopesGranted(db(), ctx.shop)),
  };
}

/**
 * Alt text translations need the optional scopes: Shopify's grant page when the store has not granted
 * them yet (shopify-app-remix throws the redirect). When Shopify says they are granted, the offline
 * session's scope is brought up to date (the app/scopes_update webhook does the same; this covers a
 * webhook that has not arrived).
 */
export async function requestTranslationScopes(request: Request): Promise<void> {
  const { scopes, session } = await authenticate.admin(request);
  await scopes.request([...TRANSLATION_SCOPES]);
  const { granted } = await scopes.query();
  await db().session.updateMany({ where: { shop: session.shop, isOnline: false }, data: { scope: granted.join(",") } });
}

export async function saveSettings(
  ctx: ShopContext,
  form: FormData,
): Promise<{ ok: true; settings: ShopSettings } | { ok: false; errors: SettingsFieldErrors }> {
  try {
    return { ok: true, settings: await saveShopSettings(db(), ctx.shop, settingsFromForm(form)) };
  } catch (error) {
    if (error instanceof ShopSettingsError) return { ok: false, errors: error.fields };
    throw error;
  }
}
