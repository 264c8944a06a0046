import type { ActionFunctionArgs } from "@remix-run/node";
import { handleProductWebhook } from "../services/product-webhooks.server";
import { authenticate } from "../shopify.server";

// products/create and products/update (shopify.app.toml). HMAC is checked by authenticate.webhook (401).
export const action = async ({ request }: ActionFunctionArgs) => {
  const context = await authenticate.webhook(request);
  await handleProductWebhook(context);
  return new Response();
};
