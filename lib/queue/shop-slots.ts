import type { Redis } from "ioredis";

/**
 * A per-shop cap on jobs running at once across every worker: a Redis sorted set per shop whose
 * members are the running job ids, scored by when their lease ends. A worker that dies leaves a
 * lease that ends on its own; a job re-run after a stall holds its old slot again.
 */
const ACQUIRE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
  return 1
end
return 0`;

export interface ShopSlotLease {
  /** Frees the slot; idempotent. */
  release(): Promise<void>;
}

export interface ShopSlotsOptions {
  /** Jobs of one shop that may run at once. */
  perShop: number;
  /** How long a lease lasts without renewal (a dead worker's slot frees after this). */
  leaseMs: number;
  /** Key prefix, e.g. the queue prefix and the queue name. */
  keyPrefix: string;
}

export class ShopSlots {
  constructor(
    private readonly redis: Redis,
    private readonly options: ShopSlotsOptions,
  ) {
    if (!Number.isInteger(options.perShop) || options.perShop < 1)
      throw new Error(`ShopSlots: perShop must be a positive integer, not ${options.perShop}`);
  }

  private key(shop: string): string {
    return `${this.options.keyPrefix}:shop-slots:${shop}`;
  }

  /** Takes a slot for `jobId`, renewed until released; null when the shop's slots are all taken. */
  async acquire(shop: string, jobId: string): Promise<ShopSlotLease | null> {
    const key = this.key(shop);
    const take = async () =>
      (await this.redis.eval(ACQUIRE, 1, key, jobId, this.options.leaseMs, this.options.perShop)) === 1;
    if (!(await take())) return null;
    const renewal = setInterval(() => void take().catch(() => {}), Math.max(50, Math.floor(this.options.leaseMs / 3)));
    renewal.unref();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(renewal);
        await this.redis.zrem(key, jobId);
      },
    };
  }

  /** The job ids holding a slot of `shop` now (for tests and the health view). */
  async holders(shop: string): Promise<string[]> {
    return this.redis.zrangebyscore(this.key(shop), Date.now(), "+inf");
  }
}
