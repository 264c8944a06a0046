import type { ActionFunctionArgs } from "@remix-run/node";
import { brandPresetAction } from "../services/brand-presets.server";
import { shopContext } from "../services/shop-context.server";

// POST from the settings page's brand presets card: intent=create (name, kind, text), intent=update (id, name,
// kind, text) or intent=delete (id).
export const action = async ({ request }: ActionFunctionArgs) =>
  brandPresetAction(await shopContext(request), await request.formData());
