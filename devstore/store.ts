import { GraphQLError, type GraphQLSchema } from "graphql";
import { quarterlyWindow } from "./api-versions";
import { defaultTokenPolicy, type TokenPolicy } from "./auth";
import type { BlobStore } from "./blobs";
import { loadAdminSchema } from "./schema";
import { productPayload } from "./webhook-payloads";
import type { WebhookSender, WebhookTopic } from "./webhooks";
import {
  findShop,
  type FileRecord,
  type ProductRecord,
  type ShopRecord,
  type StateFile,
  type StoreState,
} from "./state";

export interface Timing {
  /** Time media spends in UPLOADED, then in PROCESSING. */
  mediaStepMs: number;
  /** Time a bulk operation spends CREATED, then RUNNING. */
  bulkStepMs: number;
}

export interface ImageTransform {
  maxWidth?: number | null;
  maxHeight?: number | null;
}

export interface StoreStats {
  graphqlRequests: number;
  throttled: number;
  requestedApiVersions: Record<string, number>;
  versionFallbacks: number;
}

/** The stand-in's state and services, shared by the resolvers and the HTTP layer. */
export class LocalStore {
  baseUrl = "http://127.0.0.1";
  /** Counters for tests and the demo: Admin API requests served, how many were answered THROTTLED, and the API versions asked for (with how many fell back). */
  readonly stats: StoreStats = { graphqlRequests: 0, throttled: 0, requestedApiVersions: {}, versionFallbacks: 0 };
  /** The stable Admin API versions served as themselves (oldest first); others fall back to the oldest. */
  apiVersions: string[] = quarterlyWindow();
  /** Admin API requests served per shop (a test can tell whether a handler asked Shopify for one shop). */
  readonly requestsByShop = new Map<string, number>();
  /** Token lifetimes, the 2027 switch for non-expiring tokens, and refresh counts. */
  readonly tokens: TokenPolicy = defaultTokenPolicy();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly schema: GraphQLSchema,
    readonly state: StoreState,
    private readonly file: StateFile | null,
    readonly blobs: BlobStore,
    readonly webhooks: WebhookSender,
    readonly timing: Timing,
  ) {}

  /** The Admin schema of a served version: the app's version was loaded at start, others load on first use. */
  schemaFor(version: string): GraphQLSchema {
    return loadAdminSchema(version);
  }

  changed(): void {
    this.file?.changed();
  }

  shop(domain: string): ShopRecord | undefined {
    return findShop(this.state, domain);
  }

  /** Runs `fn` later unless the store closes first. */
  schedule(ms: number, fn: () => void | Promise<void>): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      void Promise.resolve(fn()).catch((err: unknown) => console.error("local store: scheduled task failed:", err));
    }, ms);
    this.timers.add(t);
  }

  imageUrl(shop: ShopRecord, file: FileRecord, transform?: ImageTransform | null): string {
    const url = new URL(
      `/cdn/shops/${shop.domain}/files/${file.id}/${encodeURIComponent(file.filename)}`,
      this.baseUrl,
    );
    url.searchParams.set("v", String(Math.floor(Date.parse(file.updatedAt) / 1000)));
    if (transform?.maxWidth) url.searchParams.set("width", String(transform.maxWidth));
    if (transform?.maxHeight) url.searchParams.set("height", String(transform.maxHeight));
    return url.toString();
  }

  productWebhook(
    topic: Extract<WebhookTopic, "products/create" | "products/update">,
    shop: ShopRecord,
    product: ProductRecord,
  ): void {
    this.webhooks.trigger(
      topic,
      shop.domain,
      productPayload(shop, product, (f) => this.imageUrl(shop, f)),
    );
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.webhooks.close();
    this.file?.flush();
  }
}

/** A field the app may use that the stand-in does not serve: a clear error instead of a silent null. */
export function notImplemented(what: string): GraphQLError {
  return new GraphQLError(
    `${what} is not implemented by the local store (SceneBooth devstore, a stand-in for Shopify).`,
    {
      extensions: { code: "NOT_IMPLEMENTED_BY_LOCAL_STORE" },
    },
  );
}
