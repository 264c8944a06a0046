import type { ActionFunctionArgs } from "@remix-run/node";
import { deleteShop } from "../services/lifecycle.server";
import { authenticate } from "../shopify.server";

// The webhook can arrive more than once, and after shop/redact: deleting is idempotent.
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await authenticate.webhook(request);
  await deleteShop(shop, "app/uninstalled");
  return new Response();
};
