import { Redis } from "ioredis";
import { ConfigError } from "../config";
import { redactUrl } from "../redact-url.mjs";

/** A connection suitable for BullMQ workers (which block, so no per-request retry limit). */
export function createRedisConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

/**
 * How long a producer's command may wait for Redis (queued while the connection is re-established)
 * before it fails: an app request or a webhook answers "busy" instead of hanging while Redis is down.
 */
export const PRODUCER_COMMAND_TIMEOUT_MS = 5_000;

/**
 * A connection for producers (the app's requests and webhooks, the worker's follow-up work): a
 * command is retried over one reconnection and fails after `commandTimeoutMs` at the latest. BullMQ
 * workers need createRedisConnection instead (their blocking reads wait on Redis indefinitely).
 */
export function createProducerConnection(url: string, commandTimeoutMs = PRODUCER_COMMAND_TIMEOUT_MS): Redis {
  const connection = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: commandTimeoutMs });
  // Each failed command rejects on its own; the connection's reconnect errors are not news.
  connection.on("error", () => {});
  return connection;
}

/** An error saying Redis could not be reached in time (not an error in the command itself): "try again". */
export function isRedisUnavailable(error: unknown): boolean {
  const { name, message, code } = (error ?? {}) as { name?: string; message?: string; code?: string };
  return (
    name === "MaxRetriesPerRequestError" ||
    message === "Command timed out" ||
    message === "Connection is closed." ||
    (message ?? "").startsWith("Stream isn't writeable") ||
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EPIPE"].includes(code ?? "")
  );
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
