export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface QueryCost {
  requestedQueryCost: number | null;
  actualQueryCost: number | null;
  throttleStatus: ThrottleStatus;
}

type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The client's picture of one shop's leaky bucket, from the throttleStatus of each answer. Before a
 * request it reserves the operation's expected cost, and when the bucket would be short it first
 * waits (requested − available) / restoreRate seconds, so a burst is spread out instead of throttled.
 * Until the first answer (or for an operation whose cost is unknown) one request goes out alone.
 */
export class ShopPacer {
  private status: ThrottleStatus | null = null;
  private at = 0;
  private available = 0;
  private readonly costs = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sleep: Sleep = realSleep,
  ) {}

  private projected(): number {
    if (!this.status) return 0;
    const refill = ((this.now() - this.at) / 1000) * this.status.restoreRate;
    return Math.min(this.status.maximumAvailable, this.available + refill);
  }

  /** How long to wait before `cost` points are there (0 when they are). */
  waitMsFor(cost: number): number {
    if (!this.status) return 0;
    const short = cost - this.projected();
    return short > 0 ? Math.ceil((short / this.status.restoreRate) * 1000) : 0;
  }

  /**
   * Waits for a turn and for the points, then reserves them. Returns a release function to call with
   * the answer's cost extension (or nothing when the request failed without one).
   */
  async acquire(costKey: string): Promise<(cost?: QueryCost | null) => void> {
    let release!: () => void;
    const turn = this.queue;
    this.queue = new Promise((r) => (release = r));
    await turn;
    const known = this.costs.get(costKey);
    if (!this.status || known === undefined) {
      // Learn first: hold the line until this request's answer says what it costs and what is left.
      return (cost) => {
        this.learn(costKey, cost);
        release();
      };
    }
    const wait = this.waitMsFor(known);
    if (wait > 0) await this.sleep(wait);
    const before = this.projected();
    this.available = before - known;
    this.at = this.now();
    release();
    return (cost) => this.learn(costKey, cost, known);
  }

  /** Takes the server's word after an answer; `reserved` is what this request had taken locally. */
  learn(costKey: string, cost?: QueryCost | null, reserved = 0): void {
    if (!cost?.throttleStatus) {
      if (reserved) this.available = Math.min(this.projected() + reserved, this.status?.maximumAvailable ?? 0);
      if (reserved) this.at = this.now();
      return;
    }
    if (cost.requestedQueryCost !== null) this.costs.set(costKey, cost.requestedQueryCost);
    const server = cost.throttleStatus;
    const local = this.projected() + (reserved ? reserved - (cost.actualQueryCost ?? 0) : 0);
    // Other requests may still be in flight with points the server has not seen yet: keep the lower figure.
    this.available = this.status ? Math.min(local, server.currentlyAvailable) : server.currentlyAvailable;
    this.status = server;
    this.at = this.now();
  }

  /** After THROTTLED: how long until `requested` points are there, per the answer's throttleStatus. */
  static throttledWaitMs(cost: QueryCost): number {
    const s = cost.throttleStatus;
    const requested = cost.requestedQueryCost ?? s.maximumAvailable;
    return Math.max(0, Math.ceil(((requested - s.currentlyAvailable) / s.restoreRate) * 1000));
  }
}

/** One pacer per shop per process, shared by every client for that shop (app and worker code alike). */
const pacers = new Map<string, ShopPacer>();
export function pacerFor(shop: string): ShopPacer {
  let p = pacers.get(shop);
  if (!p) {
    p = new ShopPacer();
    pacers.set(shop, p);
  }
  return p;
}
