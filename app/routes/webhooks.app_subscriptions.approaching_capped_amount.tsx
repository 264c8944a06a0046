import { triggeredAtOf } from "../../lib/lifecycle";
import { CapNoticePayloadError, recordCapNotice } from "../services/cap-notice.server";
import { webhookAction } from "../services/webhook-action.server";

// app_subscriptions/approaching_capped_amount (shopify.app.toml): stored for the app's notice.
export const action = webhookAction(async ({ shop, payload, triggeredAt }) => {
  try {
    await recordCapNotice(shop, payload, triggeredAtOf(triggeredAt));
  } catch (error) {
    if (error instanceof CapNoticePayloadError) return new Response(error.message, { status: 400 });
    throw error;
  }
});
