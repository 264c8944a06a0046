import { config } from "../../lib/config";
import { checkDatabase } from "../../lib/db";
import { checkRedis } from "../../lib/queue/connection";

export interface AppHealth {
  ok: boolean;
  database: string;
  redis: string;
}

async function probe(check: () => Promise<void>): Promise<string> {
  try {
    await check();
    return "ok";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** What the load balancer and the demo ask: can this app server reach its database and queue? */
export async function appHealth(): Promise<AppHealth> {
  const cfg = config();
  const [database, redis] = await Promise.all([
    probe(() => checkDatabase(cfg.databaseUrl)),
    probe(() => checkRedis(cfg.redisUrl, 1000)),
  ]);
  return { ok: database === "ok" && redis === "ok", database, redis };
}
