export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface BucketSettings {
  /** Bucket size in cost points (default 2000, as Shopify reports for a standard shop). */
  maximumAvailable: number;
  /** Points restored per second (standard plan: 100). */
  restoreRate: number;
}

/**
 * A leaky bucket per shop (one app talks to the store): the requested cost is taken before a query
 * runs, the difference to the actual cost is given back after, and the bucket refills continuously.
 */
export class LeakyBucket {
  private available: number;
  private at: number;

  constructor(
    private settings: BucketSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.available = settings.maximumAvailable;
    this.at = now();
  }

  private refill(): void {
    const t = this.now();
    this.available = Math.min(
      this.settings.maximumAvailable,
      this.available + ((t - this.at) / 1000) * this.settings.restoreRate,
    );
    this.at = t;
  }

  /** Takes `cost` points if they are there; false (and nothing taken) if not. */
  take(cost: number): boolean {
    this.refill();
    if (cost > this.available) return false;
    this.available -= cost;
    return true;
  }

  refund(points: number): void {
    this.refill();
    this.available = Math.min(this.settings.maximumAvailable, this.available + Math.max(0, points));
  }

  configure(settings: Partial<BucketSettings>): void {
    this.refill();
    this.settings = { ...this.settings, ...settings };
    this.available = Math.min(this.available, this.settings.maximumAvailable);
  }

  /** Empties or fills the bucket (for tests and fault drills). */
  set(points: number): void {
    this.refill();
    this.available = Math.max(0, Math.min(this.settings.maximumAvailable, points));
  }

  status(): ThrottleStatus {
    this.refill();
    return {
      maximumAvailable: this.settings.maximumAvailable,
      currentlyAvailable: Math.floor(this.available),
      restoreRate: this.settings.restoreRate,
    };
  }
}

/** One bucket per shop, all sharing the configured size and rate. */
export class Throttle {
  private readonly buckets = new Map<string, LeakyBucket>();

  constructor(private settings: BucketSettings) {}

  bucket(shop: string): LeakyBucket {
    let b = this.buckets.get(shop);
    if (!b) {
      b = new LeakyBucket(this.settings);
      this.buckets.set(shop, b);
    }
    return b;
  }

  configure(settings: Partial<BucketSettings>): void {
    this.settings = { ...this.settings, ...settings };
    for (const b of this.buckets.values()) b.configure(settings);
  }

  get current(): BucketSettings {
    return { ...this.settings };
  }
}
