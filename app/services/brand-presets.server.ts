// The settings page's brand presets: save one, change one, delete one (app/routes/app.brand-presets).
import { createBrandPreset, deleteBrandPreset, PRESET_GONE, updateBrandPreset } from "../../lib/brand-presets";
import { db } from "../../lib/db";
import { BrandPresetError } from "../../lib/scenes";
import type { ShopContext } from "./shop-context.server";

export type BrandPresetResult =
  { ok: true; message: string } | { ok: false; error: string; field: "name" | "kind" | "text" | null };

const field = (form: FormData, name: string) => String(form.get(name) ?? "");

export async function brandPresetAction(ctx: ShopContext, form: FormData): Promise<BrandPresetResult> {
  try {
    switch (form.get("intent")) {
      case "create": {
        const preset = await createBrandPreset(db(), ctx.shop, {
          name: field(form, "name"),
          kind: field(form, "kind"),
          text: field(form, "text"),
        });
        return { ok: true, message: `Preset “${preset.name}” saved` };
      }
      case "update": {
        const preset = await updateBrandPreset(db(), ctx.shop, field(form, "id"), {
          name: field(form, "name"),
          kind: field(form, "kind"),
          text: field(form, "text"),
        });
        return { ok: true, message: `Preset “${preset.name}” changed` };
      }
      case "delete":
        return (await deleteBrandPreset(db(), ctx.shop, field(form, "id")))
          ? { ok: true, message: "Preset deleted" }
          : { ok: false, error: PRESET_GONE, field: null };
      default:
        return { ok: false, error: "Unknown action.", field: null };
    }
  } catch (error) {
    if (error instanceof BrandPresetError) return { ok: false, error: error.message, field: error.field };
    throw error;
  }
}
