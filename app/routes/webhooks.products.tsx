import { handleProductWebhook, ProductPayloadError } from "../services/product-webhooks.server";
import { webhookAction } from "../services/webhook-action.server";

// products/create and products/update (shopify.app.toml). HMAC is checked by authenticate.webhook (401).
// Nothing here calls the Admin API: the worker does (a product-event job).
export const action = webhookAction(async (context) => {
  try {
    await handleProductWebhook(context);
  } catch (error) {
    if (error instanceof ProductPayloadError) return new Response(error.message, { status: 400 });
    throw error;
  }
});
