import { gid } from "./ids";
import { MEDIA_CONTENT_TYPES } from "./resolvers/media";
import type { BulkOperationRecord, FileRecord, ProductRecord, ShopRecord } from "./state";
import type { WebhookTopic } from "./webhooks";

/** products/create and products/update bodies: the REST-style product JSON Shopify sends. */
export function productPayload(shop: ShopRecord, p: ProductRecord, imageUrl: (f: FileRecord) => string) {
  const media = p.mediaIds.map((id) => shop.files.find((f) => f.id === id)).filter((f): f is FileRecord => !!f);
  const images = media
    .filter((f) => f.status === "READY" && f.typename === "MediaImage")
    .map((f, i) => ({
      id: f.id,
      product_id: p.id,
      position: i + 1,
      created_at: f.createdAt,
      updated_at: f.updatedAt,
      alt: f.alt,
      width: f.width,
      height: f.height,
      src: imageUrl(f),
      variant_ids: [],
      admin_graphql_api_id: gid("MediaImage", f.id),
    }));
  return {
    admin_graphql_api_id: gid("Product", p.id),
    body_html: p.descriptionHtml,
    created_at: p.createdAt,
    handle: p.handle,
    id: p.id,
    product_type: p.productType,
    published_at: p.status === "ACTIVE" ? p.createdAt : null,
    template_suffix: null,
    title: p.title,
    updated_at: p.updatedAt,
    vendor: p.vendor,
    status: p.status.toLowerCase(),
    published_scope: "global",
    tags: p.tags.join(", "),
    variants: [],
    options: [],
    images,
    image: images[0] ?? null,
    media: media.map((f, i) => ({
      id: f.id,
      product_id: p.id,
      position: i + 1,
      created_at: f.createdAt,
      updated_at: f.updatedAt,
      alt: f.alt,
      status: f.status.toLowerCase(),
      media_content_type: MEDIA_CONTENT_TYPES[f.typename as keyof typeof MEDIA_CONTENT_TYPES],
      admin_graphql_api_id: gid(f.typename, f.id),
    })),
  };
}

/** products/delete body: Shopify sends only the deleted product's numeric id. */
export function productDeletePayload(p: ProductRecord) {
  return { id: Number(p.id) };
}

/** app/uninstalled body: the shop resource. */
export function shopPayload(shop: ShopRecord) {
  return {
    id: shop.id,
    name: shop.name,
    email: shop.email,
    domain: shop.domain,
    myshopify_domain: shop.domain,
    created_at: shop.createdAt,
    plan_name: "basic",
  };
}

/** bulk_operations/finish body: the operation, statuses in lower case (the result URL is not in it). */
export function bulkOperationPayload(op: BulkOperationRecord) {
  return {
    admin_graphql_api_id: gid("BulkOperation", op.id),
    completed_at: op.completedAt,
    created_at: op.createdAt,
    error_code: op.errorCode === null ? null : op.errorCode.toLowerCase(),
    status: op.status.toLowerCase(),
    type: op.type.toLowerCase(),
  };
}

/** app_subscriptions/approaching_capped_amount body: the subscription, its usage and cap. */
export function approachingCapPayload(
  shop: ShopRecord,
  sub: { id: number; name: string; status: string; createdAt: string },
  usage: { balanceUsed: string; cappedAmount: string; currencyCode: string },
) {
  return {
    app_subscription: {
      admin_graphql_api_id: `gid://shopify/AppSubscription/${sub.id}`,
      name: sub.name,
      balance_used: Number(usage.balanceUsed),
      capped_amount: usage.cappedAmount,
      currency_code: usage.currencyCode,
      admin_graphql_api_shop_id: gid("Shop", shop.id),
      created_at: sub.createdAt,
      updated_at: new Date().toISOString(),
      status: sub.status,
    },
  };
}

type ComplianceTopic = Extract<WebhookTopic, "customers/data_request" | "customers/redact" | "shop/redact">;

/** Bodies of the mandatory compliance webhooks, with a stand-in customer. */
export function compliancePayload(topic: ComplianceTopic, shop: ShopRecord, customerId = 191167) {
  const base = { shop_id: shop.id, shop_domain: shop.domain };
  const customer = { id: customerId, email: `customer${customerId}@example.com`, phone: null };
  if (topic === "shop/redact") return base;
  if (topic === "customers/redact") return { ...base, customer, orders_to_redact: [] };
  return { ...base, orders_requested: [], customer, data_request: { id: 9999 } };
}
