import type { ActionFunctionArgs } from "@remix-run/node";
import { triggeredAtOf } from "../../lib/lifecycle";
import { CapNoticePayloadError, recordCapNotice } from "../services/cap-notice.server";
import { authenticate } from "../shopify.server";

// app_subscriptions/approaching_capped_amount (shopify.app.toml): stored for the app's notice.
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, payload, triggeredAt } = await authenticate.webhook(request);
  try {
    await recordCapNotice(shop, payload, triggeredAtOf(triggeredAt));
  } catch (error) {
    if (error instanceof CapNoticePayloadError) return new Response(error.message, { status: 400 });
    throw error;
  }
  return new Response();
};
