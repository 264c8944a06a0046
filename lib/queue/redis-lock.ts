import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Redis } from "ioredis";

// Deletes the key only while it still holds this holder's token: a lock that lapsed and was taken by
// someone else is not released by the old holder.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

// Extends the key's life only while it still holds this holder's token.
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

export interface RedisLockOptions {
  /** How long the lock lasts if its holder dies without releasing it. */
  ttlMs: number;
  /** How long to wait for the lock before giving up with an error. */
  waitMs: number;
  /** Poll interval while another holder has it (default 50 ms). */
  pollMs?: number;
  /**
   * Renews the lock to `ttlMs` this often while `fn` runs, so that `fn` may outlast `ttlMs` while a holder that
   * died (killed mid-run) keeps the lock no longer than `ttlMs`.
   */
  renewEveryMs?: number;
}

export class LockTimeoutError extends Error {
  override name = "LockTimeoutError";
}

/**
 * Runs `fn` while holding `key` (SET NX PX with a random token), one holder at a time across every
 * process on the same Redis. `fn` should finish well within `ttlMs`, unless the lock is renewed (`renewEveryMs`).
 */
export async function withRedisLock<T>(
  redis: Redis,
  key: string,
  options: RedisLockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  // The value names its holder, for whoever finds the lock held (a holder killed mid-run keeps it for ttlMs).
  const token = `${hostname()}:${process.pid}:${randomUUID()}`;
  const deadline = Date.now() + options.waitMs;
  while ((await redis.set(key, token, "PX", options.ttlMs, "NX")) !== "OK") {
    if (Date.now() >= deadline)
      throw new LockTimeoutError(`Timed out after ${options.waitMs} ms waiting for the lock ${key}.`);
    await new Promise((r) => setTimeout(r, options.pollMs ?? 50));
  }
  const renewal = options.renewEveryMs
    ? setInterval(
        () => void redis.eval(RENEW, 1, key, token, String(options.ttlMs)).catch(() => {}),
        options.renewEveryMs,
      )
    : undefined;
  try {
    return await fn();
  } finally {
    clearInterval(renewal);
    await redis.eval(RELEASE, 1, key, token).catch(() => {});
  }
}
