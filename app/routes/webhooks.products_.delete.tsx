import { handleProductDelete } from "../services/product-delete.server";
import { webhookAction } from "../services/webhook-action.server";

// products/delete (shopify.app.toml). HMAC is checked by authenticate.webhook (401).
export const action = webhookAction(async ({ shop, payload }) => {
  await handleProductDelete(shop, payload as Record<string, unknown>);
});
