import { json } from "@remix-run/node";
import { appHealth } from "../services/health.server";

export const loader = async () => {
  const health = await appHealth();
  return json(health, { status: health.ok ? 200 : 503 });
};
