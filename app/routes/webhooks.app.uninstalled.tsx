import { handleUninstalled } from "../services/lifecycle.server";
import { webhookAction } from "../services/webhook-action.server";

// The webhook can arrive more than once, after shop/redact, and (Shopify retries for hours) after
// the merchant installed the app again: X-Shopify-Triggered-At is compared with the install time.
export const action = webhookAction(async ({ shop, triggeredAt }) => {
  await handleUninstalled(shop, triggeredAt);
});
