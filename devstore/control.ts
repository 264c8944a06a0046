import type http from "node:http";
import { isStableVersion, quarterlyWindow } from "./api-versions";
import {
  grantedScope,
  mintSessionToken,
  revokeShopTokens,
  type AppCredentials,
  type SessionTokenOptions,
  type TokenPolicy,
} from "./auth";
import type { Faults, FaultRoute, FaultSpec } from "./faults";
import { checkImage } from "./image-check";
import { gid, requireGid } from "./ids";
import { createProduct } from "./resolvers/products";
import { newId, nowIso, type FileRecord, type MediaStatus, type ProductStatus, type ShopLocaleRecord } from "./state";
import { contentDigest, translationMutations } from "./resolvers/translations";
import { receivedFlowTriggers, type ReceivedFlowTrigger } from "./resolvers/flow";
import { sniffImageType } from "../lib/shopify-admin/image-type";
import type { LocalStore, StoreStats } from "./store";
import type { BucketSettings, Throttle, ThrottleStatus } from "./throttle";
import { compliancePayload, shopPayload } from "./webhook-payloads";
import { WEBHOOK_TOPICS, type DeliveryAttempt, type WebhookEvent, type WebhookTopic } from "./webhooks";

export interface NewProduct {
  title: string;
  productType?: string;
  handle?: string;
  status?: ProductStatus;
  /** http(s) URLs of images to add as media (processed like productCreate's media). */
  imageUrls?: string[];
  /** Videos, external videos and 3D models, before the images (the local store keeps no bytes of them). */
  otherMedia?: Array<{ mediaContentType: "VIDEO" | "EXTERNAL_VIDEO" | "MODEL_3D"; originalSource: string }>;
}

/** Switches for tests and the demo; the same operations are served over HTTP under /__devstore/. */
export class DevStoreControl {
  constructor(
    private readonly store: LocalStore,
    private readonly app: AppCredentials,
    private readonly throttle: Throttle,
    private readonly faults: Faults,
  ) {}

  /** The Shopify Flow triggers the app sent for `shop` (flowTriggerReceive), oldest first. */
  flowTriggers(shop: string): ReceivedFlowTrigger[] {
    return [...receivedFlowTriggers(this.shop(shop))];
  }

  shops(): string[] {
    return this.store.state.shops.map((s) => s.domain);
  }

  private shop(domain: string) {
    const shop = this.store.shop(domain);
    if (!shop) throw new Error(`No shop ${domain} in the local store (have: ${this.shops().join(", ")})`);
    return shop;
  }

  /** Queue a failure for the next matching request(s): HTTP status, delay (timeouts) or a dropped connection. */
  injectFault(spec: FaultSpec, options?: { route?: FaultRoute; times?: number; operation?: string }): void {
    this.faults.inject(spec, options);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  pendingFaults() {
    return this.faults.pending();
  }

  configureThrottle(settings: Partial<BucketSettings>): BucketSettings {
    this.throttle.configure(settings);
    return this.throttle.current;
  }

  throttleStatus(shop: string): ThrottleStatus {
    return this.throttle.bucket(this.shop(shop).domain).status();
  }

  /** Sets the points left in a shop's bucket (0 empties it). */
  setAvailable(shop: string, points: number): void {
    this.throttle.bucket(this.shop(shop).domain).set(points);
  }

  /** How long media stay UPLOADED and then PROCESSING (Shopify can take seconds to process an image). */
  setMediaProcessingStepMs(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`media processing step must be a number of ms ≥ 0, got ${ms}`);
    this.store.timing.mediaStepMs = ms;
  }

  /**
   * The stable Admin API versions served as themselves (null: the four quarterly versions up to the
   * app's). Leaving the app's version out rehearses Shopify retiring it: its requests are then served
   * with the oldest version listed, as the X-Shopify-API-Version header says.
   */
  setSupportedApiVersions(versions: string[] | null): string[] {
    if (versions === null) {
      this.store.apiVersions = quarterlyWindow();
      return this.store.apiVersions;
    }
    if (!versions.length) throw new Error("at least one supported Admin API version is needed");
    for (const v of versions) {
      if (!isStableVersion(v)) throw new Error(`"${v}" is not a stable Admin API version (YYYY-01, -04, -07 or -10)`);
      this.store.schemaFor(v);
    }
    this.store.apiVersions = [...versions].sort();
    return this.store.apiVersions;
  }

  setWebhookDuplicates(on: boolean): void {
    this.store.webhooks.duplicates = on;
  }

  setAppUrl(url: string | null): void {
    this.app.appUrl = url;
    this.store.webhooks.appUrl = url;
  }

  webhookAttempts(): DeliveryAttempt[] {
    return [...this.store.webhooks.attempts];
  }

  webhookEvents(): WebhookEvent[] {
    return [...this.store.webhooks.events];
  }

  /** Resolves when every webhook delivery has succeeded or given up. */
  webhooksSettled(): Promise<void> {
    return this.store.webhooks.settled();
  }

  mintSessionToken(shop: string, options?: SessionTokenOptions): Promise<string> {
    return mintSessionToken(this.app, this.shop(shop).domain, options);
  }

  /** An offline access token issued directly, for scripts and tests that are not about the auth flow. */
  issueAccessToken(shop: string): string {
    const s = this.shop(shop);
    const token = `shpat_${newId(this.store.state).toString(16)}${Math.random().toString(16).slice(2)}`;
    this.store.state.tokens.push({
      token,
      shop: s.domain,
      scope: grantedScope(this.app),
      online: false,
      userId: null,
      expiresAt: null,
    });
    s.installed = true;
    this.store.changed();
    return token;
  }

  /**
   * Token behaviour: the lifetime of newly issued expiring offline tokens (Shopify: 3600 s), and
   * whether non-expiring offline tokens still work ("refused" rehearses 2027-01-01).
   */
  configureTokens(settings: { expiringTtlSeconds?: number; nonExpiring?: TokenPolicy["nonExpiring"] }): {
    expiringTtlSeconds: number;
    nonExpiring: TokenPolicy["nonExpiring"];
  } {
    const policy = this.store.tokens;
    if (settings.expiringTtlSeconds !== undefined) {
      if (!Number.isFinite(settings.expiringTtlSeconds) || settings.expiringTtlSeconds <= 0)
        throw new Error(`expiringTtlSeconds must be a number of seconds > 0, got ${settings.expiringTtlSeconds}`);
      policy.expiringTtlSeconds = settings.expiringTtlSeconds;
    }
    if (settings.nonExpiring !== undefined) {
      if (settings.nonExpiring !== "accepted" && settings.nonExpiring !== "refused")
        throw new Error(`nonExpiring must be "accepted" or "refused", got ${String(settings.nonExpiring)}`);
      policy.nonExpiring = settings.nonExpiring;
    }
    return { expiringTtlSeconds: policy.expiringTtlSeconds, nonExpiring: policy.nonExpiring };
  }

  /** The shop's expiring offline access tokens expire at `at` (default: a second ago); Shopify then answers 401. */
  expireAccessTokens(shop: string, at = new Date(Date.now() - 1000)): number {
    const s = this.shop(shop);
    const tokens = this.store.state.tokens.filter((t) => t.shop === s.domain && !t.online && t.expiresAt !== null);
    for (const t of tokens) t.expiresAt = at.toISOString();
    this.store.changed();
    return tokens.length;
  }

  /**
   * Revokes the shop's tokens without uninstalling (no app/uninstalled webhook): access and refresh
   * tokens, or with `refreshOnly` only the refresh tokens (the access token works until it expires).
   */
  revokeTokens(shop: string, options: { refreshOnly?: boolean } = {}): void {
    const s = this.shop(shop);
    if (options.refreshOnly)
      this.store.state.refreshTokens = this.store.state.refreshTokens.filter((t) => t.shop !== s.domain);
    else revokeShopTokens(this.store.state, s.domain);
    this.store.changed();
  }

  /** Refresh grants for the shop since start: served, and refused. */
  tokenRefreshes(shop: string): { refreshed: number; refused: number } {
    return { ...(this.store.tokens.refreshes.get(this.shop(shop).domain) ?? { refreshed: 0, refused: 0 }) };
  }

  /** Creates a product as a merchant would in the admin; fires products/create. */
  createProduct(shop: string, input: NewProduct): { id: string; handle: string } {
    const s = this.shop(shop);
    const media = [
      ...(input.otherMedia ?? []),
      ...(input.imageUrls ?? []).map((originalSource) => ({ originalSource, mediaContentType: "IMAGE" as const })),
    ];
    const { product, userErrors } = createProduct(
      { store: this.store, shop: s, schema: this.store.schema, bulk: false },
      { title: input.title, productType: input.productType, handle: input.handle, status: input.status },
      media,
    );
    if (!product) throw new Error(`createProduct: ${userErrors.map((e) => e.message).join("; ")}`);
    return { id: gid("Product", product.id), handle: product.handle };
  }

  /**
   * Adds an image file with these exact bytes to a product's media, for tests of bad files.
   * "checked": Shopify's media processing decides (READY, or FAILED with its error), at once;
   * "listed-ready": READY whatever the bytes, as a CDN glitch or a file Shopify let through would be.
   */
  async addImageFile(
    shop: string,
    productId: string,
    file: { filename: string; bytes: Uint8Array; processing: "checked" | "listed-ready" },
  ): Promise<{ mediaId: string; status: MediaStatus; errors: string[] }> {
    const s = this.shop(shop);
    const product = s.products.find((p) => p.id === requireGid(productId, "Product").id);
    if (!product) throw new Error(`No product ${productId} in ${shop}`);
    const id = newId(this.store.state);
    const key = `files/${id}-${file.filename.replace(/[^A-Za-z0-9._-]/g, "_")}`;
    await this.store.blobs.put(key, file.bytes);
    const check = file.processing === "checked" ? await checkImage(file.bytes) : null;
    const at = nowIso();
    const record: FileRecord = {
      id,
      typename: "MediaImage",
      filename: file.filename,
      alt: null,
      status: check && !check.ok ? "FAILED" : "READY",
      errors: check && !check.ok ? [{ code: check.code, message: check.message }] : [],
      mimeType: check?.ok ? check.mimeType : (sniffImageType(file.bytes) ?? "image/jpeg"),
      originalSource: key,
      blob: check && !check.ok ? null : { kind: "local", key },
      fileSize: file.bytes.length,
      width: check?.ok ? check.width : null,
      height: check?.ok ? check.height : null,
      productIds: [product.id],
      createdAt: at,
      updatedAt: at,
    };
    s.files.push(record);
    product.mediaIds.push(id);
    this.store.changed();
    return {
      mediaId: gid("MediaImage", id),
      status: record.status,
      errors: record.errors.map((e) => `${e.code}: ${e.message}`),
    };
  }

  /** A product's media as the store holds them (no Admin API call, so no cost and no injected fault). */
  productMedia(
    shop: string,
    productId: string,
  ): Array<{ id: string; filename: string; status: MediaStatus; alt: string | null }> {
    const s = this.shop(shop);
    const product = s.products.find((p) => p.id === requireGid(productId, "Product").id);
    if (!product) return [];
    return product.mediaIds.flatMap((mediaId) => {
      const f = s.files.find((file) => file.id === mediaId);
      return f
        ? [
            {
              id: gid(f.typename, f.id),
              filename: f.filename,
              status: f.status,
              alt: f.alt,
            },
          ]
        : [];
    });
  }

  /** The shop's languages (shopLocales); a new shop has English only. */
  setLocales(shop: string, locales: ShopLocaleRecord[]): void {
    if (locales.filter((l) => l.primary).length !== 1) throw new Error("setLocales: exactly one primary locale");
    this.shop(shop).locales = locales.map((l) => ({ ...l }));
    this.store.changed();
  }

  /** A translation the merchant made in Shopify (Translate & Adapt), of the resource's current content. */
  translate(shop: string, resourceId: string, locale: string, key: string, value: string): void {
    const s = this.shop(shop);
    const result = translationMutations.translationsRegister(
      {
        resourceId,
        translations: [{ key, locale, value, translatableContentDigest: contentDigest(s, resourceId, key) }],
      },
      { store: this.store, shop: s, schema: this.store.schema, bulk: false },
    );
    if (result.userErrors.length) throw new Error(`translate: ${result.userErrors.map((e) => e.message).join("; ")}`);
  }

  /** The translations registered for a resource, in every locale (no Admin API call). */
  translationsOf(shop: string, resourceId: string): Array<{ locale: string; key: string; value: string }> {
    return (this.shop(shop).translations ?? [])
      .filter((t) => t.resourceId === resourceId)
      .map(({ locale, key, value }) => ({ locale, key, value }));
  }

  /** The merchant removes the app: tokens stop working and app/uninstalled is delivered. */
  uninstall(shop: string): void {
    const s = this.shop(shop);
    revokeShopTokens(this.store.state, s.domain);
    s.installed = false;
    this.store.changed();
    this.store.webhooks.trigger("app/uninstalled", s.domain, shopPayload(s));
  }

  /** Sends one of the mandatory compliance webhooks for the shop. */
  compliance(topic: "customers/data_request" | "customers/redact" | "shop/redact", shop: string): WebhookEvent {
    const s = this.shop(shop);
    return this.store.webhooks.trigger(topic, s.domain, compliancePayload(topic, s));
  }

  /** Admin API requests served, THROTTLED answers given, and API versions asked for, since start. */
  stats(): StoreStats {
    return { ...this.store.stats, requestedApiVersions: { ...this.store.stats.requestedApiVersions } };
  }

  /** Admin API requests served for one shop, since start. */
  requestsFor(shop: string): number {
    return this.store.requestsByShop.get(this.shop(shop).domain) ?? 0;
  }

  /** How long a bulk operation stays CREATED, then RUNNING. */
  setBulkStepMs(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`bulk operation step must be a number of ms ≥ 0, got ${ms}`);
    this.store.timing.bulkStepMs = ms;
  }

  flush(): void {
    this.store.changed();
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
}

const str = (v: unknown, name: string): string => {
  if (typeof v !== "string" || !v) throw new Error(`"${name}" is required`);
  return v;
};

/** HTTP face of DevStoreControl: POST/GET/DELETE under /__devstore/ with JSON bodies. */
export class ControlRoutes {
  constructor(readonly control: DevStoreControl) {}

  async handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    body: Record<string, unknown>,
  ): Promise<void> {
    const c = this.control;
    const key = `${req.method} ${url.pathname.replace(/^\/__devstore/, "")}`;
    try {
      switch (key) {
        case "GET /status":
          return sendJson(res, 200, {
            shops: c.shops(),
            faults: c.pendingFaults(),
            throttle: c.configureThrottle({}),
            stats: c.stats(),
          });
        case "POST /faults": {
          const route = (body.route as FaultRoute | undefined) ?? "graphql";
          const times = body.times === undefined ? 1 : Number(body.times);
          const spec: FaultSpec = body.drop
            ? { kind: "drop" }
            : body.loseAnswer
              ? { kind: "lost-answer" }
              : body.delayMs !== undefined
                ? { kind: "delay", ms: Number(body.delayMs) }
                : {
                    kind: "status",
                    status: Number(body.status),
                    retryAfterSeconds: body.retryAfter === undefined ? undefined : Number(body.retryAfter),
                  };
          c.injectFault(spec, {
            route,
            times,
            operation: body.operation === undefined ? undefined : String(body.operation),
          });
          return sendJson(res, 200, { ok: true });
        }
        case "DELETE /faults":
          c.clearFaults();
          return sendJson(res, 200, { ok: true });
        case "POST /throttle":
          return sendJson(
            res,
            200,
            c.configureThrottle({
              ...(body.maximumAvailable !== undefined && { maximumAvailable: Number(body.maximumAvailable) }),
              ...(body.restoreRate !== undefined && { restoreRate: Number(body.restoreRate) }),
            }),
          );
        case "POST /api-versions":
          return sendJson(res, 200, {
            supported: c.setSupportedApiVersions(Array.isArray(body.supported) ? body.supported.map(String) : null),
          });
        case "POST /webhooks/duplicates":
          c.setWebhookDuplicates(Boolean(body.enabled));
          return sendJson(res, 200, { ok: true });
        case "GET /webhooks":
          return sendJson(res, 200, { attempts: c.webhookAttempts() });
        case "POST /webhooks/trigger": {
          const topic = str(body.topic, "topic") as WebhookTopic;
          const shop = str(body.shop, "shop");
          if (topic === "app/uninstalled") c.uninstall(shop);
          else if (topic === "customers/data_request" || topic === "customers/redact" || topic === "shop/redact")
            c.compliance(topic, shop);
          else
            throw new Error(
              `topic must be one of app/uninstalled, customers/data_request, customers/redact, shop/redact (products/* fire from product changes); known topics: ${WEBHOOK_TOPICS.join(", ")}`,
            );
          return sendJson(res, 200, { ok: true });
        }
        case "POST /session-token":
          return sendJson(res, 200, {
            token: await c.mintSessionToken(str(body.shop, "shop"), {
              userId: body.userId === undefined ? undefined : Number(body.userId),
            }),
          });
        case "POST /access-token":
          return sendJson(res, 200, { access_token: c.issueAccessToken(str(body.shop, "shop")) });
        case "POST /products":
          return sendJson(
            res,
            200,
            c.createProduct(str(body.shop, "shop"), {
              title: str(body.title, "title"),
              productType: body.productType as string | undefined,
              imageUrls: body.imageUrls as string[] | undefined,
              otherMedia: body.otherMedia as NewProduct["otherMedia"],
            }),
          );
        case "POST /tokens":
          return sendJson(
            res,
            200,
            c.configureTokens({
              expiringTtlSeconds: body.expiringTtlSeconds === undefined ? undefined : Number(body.expiringTtlSeconds),
              nonExpiring: body.nonExpiring as TokenPolicy["nonExpiring"] | undefined,
            }),
          );
        case "POST /tokens/expire":
          return sendJson(res, 200, { expired: c.expireAccessTokens(str(body.shop, "shop")) });
        case "POST /tokens/revoke":
          c.revokeTokens(str(body.shop, "shop"), { refreshOnly: Boolean(body.refreshOnly) });
          return sendJson(res, 200, { ok: true });
        case "GET /tokens/refreshes":
          return sendJson(res, 200, c.tokenRefreshes(str(url.searchParams.get("shop"), "shop")));
        case "POST /uninstall":
          c.uninstall(str(body.shop, "shop"));
          return sendJson(res, 200, { ok: true });
        default:
          return sendJson(res, 404, { error: `No control endpoint ${key}` });
      }
    } catch (err) {
      return sendJson(res, 400, { error: (err as Error).message });
    }
  }
}
