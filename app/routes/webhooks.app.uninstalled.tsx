import type { ActionFunctionArgs } from "@remix-run/node";
import { handleUninstalled } from "../services/lifecycle.server";
import { authenticate } from "../shopify.server";

// The webhook can arrive more than once, after shop/redact, and (Shopify retries for hours) after
// the merchant installed the app again: X-Shopify-Triggered-At is compared with the install time.
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, triggeredAt } = await authenticate.webhook(request);
  await handleUninstalled(shop, triggeredAt);
  return new Response();
};
