import { Redis } from "ioredis";
import { ConfigError } from "../config";

/** A connection suitable for BullMQ workers (which block, so no per-request retry limit). */
export function createRedisConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Pings Redis once; a failure becomes one line a person can act on. */
export async function checkRedis(url: string, timeoutMs = 2000): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on("error", () => {});
  let policy: string | undefined;
  try {
    await client.connect();
    await client.ping();
    // INFO works where CONFIG is disabled (managed Redis).
    policy = /^maxmemory_policy:(\S+)/m.exec(await client.info("memory"))?.[1];
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      `Cannot reach Redis at ${redactUrl(url)} (${reason}). Start it (redis-server) or set REDIS_URL.`,
    );
  } finally {
    client.disconnect();
  }
  if (policy && policy !== "noeviction") {
    throw new ConfigError(
      `Redis at ${redactUrl(url)} evicts keys when full (maxmemory-policy ${policy}); the queues' jobs and GPU leases would vanish. Set maxmemory-policy noeviction (CONFIG SET, redis.conf or your provider's parameter group).`,
    );
  }
}
