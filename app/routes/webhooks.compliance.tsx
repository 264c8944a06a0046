import type { ActionFunctionArgs } from "@remix-run/node";
import { complianceTopic, handleCompliance } from "../services/lifecycle.server";
import { authenticate } from "../shopify.server";

// customers/data_request, customers/redact and shop/redact (shopify.app.toml compliance_topics).
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, topic, payload } = await authenticate.webhook(request);
  const compliance = complianceTopic(topic);
  if (!compliance) return new Response(`Unexpected topic ${String(topic)}`, { status: 400 });
  await handleCompliance(compliance, shop, payload);
  return new Response();
};
