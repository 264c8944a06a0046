import type { ActionFunctionArgs } from "@remix-run/node";
import { handleProductDelete } from "../services/product-delete.server";
import { authenticate } from "../shopify.server";

// products/delete (shopify.app.toml). HMAC is checked by authenticate.webhook (401).
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, payload } = await authenticate.webhook(request);
  await handleProductDelete(shop, payload as Record<string, unknown>);
  return new Response();
};
