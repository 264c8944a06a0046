/** Where a fault applies: the Admin GraphQL endpoint, the OAuth endpoints, staged uploads, media file downloads (CDN), or any of these. */
export type FaultRoute = "graphql" | "oauth" | "upload" | "cdn" | "any";

export type FaultSpec =
  | { kind: "status"; status: number; retryAfterSeconds?: number; body?: string }
  /** Holds the request this long before handling it (a slow or timed-out upstream). */
  | { kind: "delay"; ms: number }
  /** Closes the connection without a response. */
  | { kind: "drop" }
  /** Handles the request, then closes the connection instead of answering: it ran, but the caller cannot know. */
  | { kind: "lost-answer" };

export interface FaultRule {
  spec: FaultSpec;
  route: FaultRoute;
  /** How many matching requests it hits; then it is gone. */
  times: number;
  /** Only GraphQL requests whose body names this operation or root field (e.g. "productUpdate"). */
  operation?: string;
}

/** Injected failures, consumed in order by the requests they match. */
export class Faults {
  private rules: FaultRule[] = [];
  hits = 0;

  inject(spec: FaultSpec, options: { route?: FaultRoute; times?: number; operation?: string } = {}): void {
    const times = options.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error(`times must be a positive integer, got ${times}`);
    if (spec.kind === "status" && (spec.status < 400 || spec.status > 599))
      throw new Error(`fault status must be 4xx or 5xx, got ${spec.status}`);
    if (options.operation !== undefined && !/^\w+$/.test(options.operation))
      throw new Error(`operation must be a GraphQL name, got ${JSON.stringify(options.operation)}`);
    this.rules.push({
      spec,
      route: options.route ?? "graphql",
      times,
      ...(options.operation ? { operation: options.operation } : {}),
    });
  }

  clear(): void {
    this.rules = [];
  }

  pending(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** The fault for this request, if one is queued for its route (and, for GraphQL, its operation). */
  take(route: Exclude<FaultRoute, "any">, graphqlBody?: string): FaultSpec | null {
    const names = (operation: string) =>
      graphqlBody !== undefined && new RegExp(`\\b${operation}\\b`).test(graphqlBody);
    const i = this.rules.findIndex(
      (r) => (r.route === route || r.route === "any") && (!r.operation || names(r.operation)),
    );
    if (i < 0) return null;
    const rule = this.rules[i]!;
    rule.times -= 1;
    if (rule.times <= 0) this.rules.splice(i, 1);
    this.hits += 1;
    return rule.spec;
  }
}
