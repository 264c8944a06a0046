import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { ClientError, GraphQLClient } from "graphql-request";
import { Kind, print, type OperationDefinitionNode } from "graphql";
import { parseShopDomain, type ShopDomain } from "../shop-domain";
import { adminGraphqlEndpoint, shopRoutingHeaders } from "./endpoint";
import { AdminApiError } from "./errors";
import { pacerFor, ShopPacer, type QueryCost } from "./pacing";
import { SHOPIFY_API_VERSION } from "./version";
import { log as processLog } from "../log";
import { adminApiCost, adminApiWait } from "../metrics/process";

/**
 * Mutations that may be sent again after an ambiguous failure (5xx, timeout, dropped connection)
 * without doing anything twice. Queries always may. Everything else is sent once: productUpdate with
 * media would add the image twice, bulkOperationRunQuery would start a second operation.
 */
export const IDEMPOTENT_MUTATIONS: ReadonlySet<string> = new Set([
  // A repeat only creates another, unused upload target.
  "StagedUploadsCreate",
  // Sets alt text and adds references; the same input leaves the same state.
  "FileUpdate",
  // Moving a media item to a position, and registering a translation, leave the same state when repeated.
  "ProductReorderMedia",
  "TranslationsRegister",
]);

/** A token that can change: expiring offline tokens are refreshed (see offline-tokens.ts). */
export interface AccessTokenSource {
  /** The token to send now. */
  current(): Promise<string>;
  /** Shopify answered 401 to `token`: the token to retry with once (or throws). */
  rejected(token: string): Promise<string>;
}

export interface AdminClientOptions {
  shop: string;
  accessToken: string | AccessTokenSource;
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
  /** Per attempt (default 30 s). */
  timeoutMs?: number;
  /** Attempts in all, first one included (default 6). */
  maxAttempts?: number;
  /** First backoff delay (default 500 ms; doubles, with jitter, up to maxBackoffMs). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Pace requests by the bucket's throttleStatus (default true). Off only to show what happens without it. */
  pacing?: boolean;
  pacer?: ShopPacer;
  log?: (line: string) => void;
  /** Where API-version warnings go (default the process log); each is said once per process and sink. */
  warn?: (line: string) => void;
}

export interface AdminResult<T> {
  data: T;
  cost: QueryCost | null;
  attempts: number;
}

const printed = new WeakMap<object, { query: string; name: string; mutation: boolean }>();

function describe(document: TypedDocumentNode<unknown, unknown>) {
  let hit = printed.get(document);
  if (!hit) {
    const op = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (!op?.name) throw new Error("Admin API documents must be named operations (see operations.graphql).");
    hit = { query: print(document), name: op.name.value, mutation: op.operation === "mutation" };
    printed.set(document, hit);
  }
  return hit;
}

function costOf(extensions: unknown): QueryCost | null {
  const cost = (extensions as { cost?: QueryCost } | undefined)?.cost;
  return cost?.throttleStatus ? cost : null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const warned = new WeakMap<(line: string) => void, Set<string>>();

function warnOnce(warn: (line: string) => void, key: string, line: string): void {
  const said = warned.get(warn) ?? new Set<string>();
  warned.set(warn, said);
  if (said.has(key)) return;
  said.add(key);
  warn(line);
}

/**
 * Shopify serves a version past its support window with the oldest supported one instead (saying
 * which in X-Shopify-API-Version), and flags requests that use deprecated fields: both mean the app's
 * documents are about to meet a schema they were not validated against.
 */
function checkVersionHeaders(headers: Headers | undefined, operation: string, warn: (line: string) => void): void {
  const served = headers?.get("x-shopify-api-version");
  if (served && served !== SHOPIFY_API_VERSION) {
    warnOnce(
      warn,
      `served:${served}`,
      `Admin API: asked for ${SHOPIFY_API_VERSION}, Shopify answered ${operation} with ${served} (${SHOPIFY_API_VERSION} is outside its support window): move the app to a supported version (README, "Admin API version").`,
    );
  }
  const deprecated = headers?.get("x-shopify-api-deprecated-reason");
  if (deprecated)
    warnOnce(
      warn,
      `deprecated:${operation}`,
      `Admin API: ${operation} uses fields Shopify has deprecated in ${served ?? SHOPIFY_API_VERSION} (${deprecated}); they will be removed in a later version.`,
    );
}

// One function for the whole process: API-version warnings are said once per process and sink.
const warnInLog = (line: string) => processLog.warn(line);

/** The app's and the worker's Admin GraphQL client: paced by the cost bucket, retrying what is safe to retry. */
export class AdminClient {
  readonly shop: ShopDomain;
  private readonly gql: GraphQLClient;
  private readonly options: Required<
    Pick<AdminClientOptions, "timeoutMs" | "maxAttempts" | "backoffMs" | "maxBackoffMs" | "pacing">
  > &
    AdminClientOptions;
  private readonly pacer: ShopPacer;
  private readonly tokens: AccessTokenSource;

  constructor(options: AdminClientOptions) {
    this.shop = parseShopDomain(options.shop);
    if (!options.accessToken) throw new Error(`No access token for ${options.shop}.`);
    this.options = {
      timeoutMs: 30_000,
      maxAttempts: 6,
      backoffMs: 500,
      maxBackoffMs: 20_000,
      pacing: true,
      ...options,
    };
    this.pacer = options.pacer ?? pacerFor(`${adminGraphqlEndpoint(this.shop, options.env)}#${this.shop}`);
    this.gql = new GraphQLClient(adminGraphqlEndpoint(this.shop, options.env), {
      fetch: options.fetch,
      errorPolicy: "all",
      headers: shopRoutingHeaders(this.shop, options.env),
    });
    const fixed = options.accessToken;
    this.tokens = typeof fixed === "string" ? { current: async () => fixed, rejected: async () => fixed } : fixed;
  }

  /** Runs a document from operations.graphql and returns its data (throws AdminApiError otherwise). */
  async request<T, V extends Record<string, unknown>>(document: TypedDocumentNode<T, V>, variables: V): Promise<T> {
    return (await this.requestWithCost(document, variables)).data;
  }

  private backoff(attempt: number): number {
    const cap = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** (attempt - 1));
    return Math.round(cap / 2 + Math.random() * (cap / 2));
  }

  async requestWithCost<T, V extends Record<string, unknown>>(
    document: TypedDocumentNode<T, V>,
    variables: V,
  ): Promise<AdminResult<T>> {
    const { query, name, mutation } = describe(document as TypedDocumentNode<unknown, unknown>);
    const mayRepeat = !mutation || IDEMPOTENT_MUTATIONS.has(name);
    const costKey = `${name}:${JSON.stringify(Object.entries(variables).filter(([, v]) => typeof v === "number"))}`;
    const { maxAttempts, log } = this.options;
    let last: AdminApiError | null = null;
    let renewedAfter401 = typeof this.options.accessToken === "string";
    let renewed: string | null = null;

    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const token = renewed ?? (await this.tokens.current());
      renewed = null;
      const pacingStarted = performance.now();
      const acquired = this.options.pacing ? await this.pacer.acquire(costKey) : null;
      const paced = performance.now() - pacingStarted;
      if (paced >= 1) adminApiWait.inc({ operation: name, reason: "pacing" }, paced / 1000);
      let released = false;
      const release = (cost: QueryCost | null) => {
        if (!released) acquired?.(cost);
        released = true;
      };
      let waitMs = 0;
      try {
        const res = await this.gql.rawRequest<T>({
          query,
          variables,
          signal: AbortSignal.timeout(this.options.timeoutMs),
          requestHeaders: { "X-Shopify-Access-Token": token },
        });
        checkVersionHeaders(res.headers, name, this.options.warn ?? warnInLog);
        const cost = costOf(res.extensions);
        release(cost);
        if (cost?.actualQueryCost) adminApiCost.inc({ operation: name }, cost.actualQueryCost);
        const errors = res.errors ?? [];
        const throttled = errors.some((e) => (e.extensions as { code?: string } | undefined)?.code === "THROTTLED");
        if (throttled) {
          // Not executed, so safe to send again once the bucket has the points.
          waitMs = cost ? ShopPacer.throttledWaitMs(cost) + Math.round(Math.random() * 250) : this.backoff(attempt);
          last = new AdminApiError(`${name} was throttled`, {
            kind: "throttled",
            operation: name,
            attempts: attempt,
            errors,
          });
        } else if (errors.some((e) => (e.extensions as { code?: string } | undefined)?.code === "MAX_COST_EXCEEDED")) {
          throw new AdminApiError(`${name} costs more than Shopify allows in one query: ${errors[0]!.message}`, {
            kind: "max-cost",
            operation: name,
            attempts: attempt,
            errors,
          });
        } else if (errors.length) {
          throw new AdminApiError(`${name} failed: ${errors.map((e) => e.message).join("; ")}`, {
            kind: "graphql",
            operation: name,
            attempts: attempt,
            errors,
          });
        } else {
          return { data: res.data, cost, attempts: attempt };
        }
      } catch (err) {
        release(null);
        if (err instanceof AdminApiError) throw err;
        if (err instanceof ClientError) {
          const status = err.response.status;
          const retryAfter = Number(err.response.headers?.get?.("retry-after"));
          if (status === 429) {
            waitMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : this.backoff(attempt);
            last = new AdminApiError(`${name}: HTTP 429 Too Many Requests`, {
              kind: "http",
              status,
              operation: name,
              attempts: attempt,
            });
          } else if (status >= 500) {
            last = new AdminApiError(`${name}: HTTP ${status}`, {
              kind: "http",
              status,
              operation: name,
              attempts: attempt,
              maybeExecuted: mutation,
            });
            if (!mayRepeat)
              throw new AdminApiError(
                `${name}: HTTP ${status}; not retried because ${name} is not idempotent and may have run`,
                last.details,
              );
            waitMs = this.backoff(attempt);
          } else if (status === 401 && !renewedAfter401) {
            // Refused before it ran (expired or revoked token): once with a renewed token, at once.
            renewedAfter401 = true;
            renewed = await this.tokens.rejected(token);
            attempt -= 1;
            continue;
          } else {
            const body = typeof err.response.body === "string" ? err.response.body.slice(0, 300) : "";
            throw new AdminApiError(`${name}: HTTP ${status} ${body}`.trim(), {
              kind: "http",
              status,
              operation: name,
              attempts: attempt,
            });
          }
        } else {
          const timeout = (err as Error).name === "TimeoutError" || (err as Error).name === "AbortError";
          const kind = timeout ? "timeout" : "network";
          last = new AdminApiError(
            `${name}: ${timeout ? `no answer within ${this.options.timeoutMs} ms` : (err as Error).message}`,
            { kind, operation: name, attempts: attempt, maybeExecuted: mutation },
          );
          if (!mayRepeat)
            throw new AdminApiError(
              `${last.message}; not retried because ${name} is not idempotent and may have run`,
              last.details,
            );
          waitMs = this.backoff(attempt);
        }
      }
      if (attempt < maxAttempts) {
        log?.(`${name}: ${last!.message}; retry ${attempt + 1}/${maxAttempts} in ${waitMs} ms`);
        const reason =
          last!.details.kind === "throttled" ? "throttled" : last!.details.status === 429 ? "http-429" : "backoff";
        adminApiWait.inc({ operation: name, reason }, waitMs / 1000);
        await sleep(waitMs);
      }
    }
    throw new AdminApiError(`${name} gave up after ${maxAttempts} attempts: ${last?.message ?? "unknown error"}`, {
      ...(last?.details ?? { operation: name }),
      kind: "gave-up",
      operation: name,
      attempts: maxAttempts,
    });
  }
}
