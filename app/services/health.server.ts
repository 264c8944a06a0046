import { db } from "../../lib/db";
import { cachedHealthCheck, type HealthResult } from "../../lib/health/cached-check";
import { appProducers } from "./queues.server";
import { log } from "../../lib/log";

// The process's own Prisma client and the producers' Redis connection: a probe opens nothing new.
const check = cachedHealthCheck({
  database: () => db().$queryRawUnsafe("SELECT 1"),
  redis: () => appProducers().ping(),
});

let lastOk = true;

/**
 * What the load balancer asks: can this app server reach its database and queue? The answer is
 * public, so it says up or down only; why it is down goes to the server's log, once per change.
 */
export async function appHealth(): Promise<{ ok: boolean }> {
  const result: HealthResult = await check();
  if (result.ok !== lastOk) {
    const detail = Object.entries(result.checks)
      .map(([name, status]) => `${name}: ${status}`)
      .join("; ");
    log.error(result.ok ? "health: up again" : `health: down (${detail})`);
    lastOk = result.ok;
  }
  return { ok: result.ok };
}
