import type { ActionFunctionArgs } from "@remix-run/node";
import db from "../db.server";
import { authenticate } from "../shopify.server";

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, session, topic } = await authenticate.webhook(request);
  console.log(`Received ${topic} webhook for ${shop}`);
  // The webhook can arrive more than once, and after the app was already uninstalled.
  if (session) {
    await db.session.deleteMany({ where: { shop } });
  }
  return new Response();
};
