import { complianceTopic, handleCompliance } from "../services/lifecycle.server";
import { webhookAction } from "../services/webhook-action.server";

// customers/data_request, customers/redact and shop/redact (shopify.app.toml compliance_topics):
// mandatory, so answered for any shop, installed or not.
export const action = webhookAction(
  async ({ shop, topic, payload }) => {
    const compliance = complianceTopic(topic);
    if (!compliance) return new Response(`Unexpected topic ${String(topic)}`, { status: 400 });
    await handleCompliance(compliance, shop, payload);
  },
  { anyShop: true },
);
