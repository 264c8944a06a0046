import db from "../db.server";
import { webhookAction } from "../services/webhook-action.server";

export const action = webhookAction(async ({ payload, session, topic, shop }) => {
  console.log(`Received ${topic} webhook for ${shop}`);
  const current = payload.current as string[];
  if (session) {
    await db.session.update({ where: { id: session.id }, data: { scope: current.toString() } });
  }
});
