// Auto-generation for new products (products/create), and for a new product whose photos arrive
// later (products/update, once). What has happened per product is remembered in WebhookEvent
// under two synthetic event ids, so it is atomic across app servers and deleted with the shop:
//   auto-waiting:<product gid>  created without enough photos while auto-generation was on
//   auto:<product gid>          auto-generation ran (claimed before enqueueing: runs at most once)
// Publishing our own images fires products/update too; the `auto:` claim is what keeps that from
// looping into another request.
//
// The webhook route only runs `webhookOutcome` (database reads: settings, the waiting marker) and
// queues a product-event job; the worker runs `autoGenerate`, which asks the Admin API (the plan,
// the product's processed photos) outside Shopify's 5 s webhook budget.
import { affordableUnits, capMessage, spendingStatus, type UsagePlan } from "../billing";
import type { PrismaClient } from "../db";
import { automaticModes, laneOf, upfrontPriceUsd } from "../pipeline/generation-modes";
import { requestScenes, SceneRequestError } from "../pipeline/request-scenes";
import { isProductGid, MIN_PHOTOS } from "../products";
import type { Producers } from "../queue/producer";
import { readShopSettings } from "../shop-settings";
import { claimEvent, eventExists, releaseEvent } from "./events";

export const AUTO_TOPIC = "scenebooth/auto-generation";

export class ProductPayloadError extends Error {
  override name = "ProductPayloadError";
}

export interface ProductPayload {
  id: string;
  title: string;
  productType: string;
  status: string;
  /** Images Shopify has finished processing (the ones the pipeline can download). */
  readyPhotos: number;
  /** Images still processing: more photos are on their way (0 when the body does not say). */
  pendingPhotos?: number;
}

/** The fields auto-generation needs from a products/create or products/update body. */
export function parseProductPayload(payload: unknown): ProductPayload {
  const p = payload as Record<string, unknown> | null;
  if (!p || typeof p !== "object") throw new ProductPayloadError("product webhook body is not an object");
  const id = p.admin_graphql_api_id;
  if (!isProductGid(id))
    throw new ProductPayloadError(
      `product webhook body has no product GID (admin_graphql_api_id: ${JSON.stringify(id)})`,
    );
  const title = typeof p.title === "string" ? p.title : "";
  // `media` carries each item's processing status; `images` lists processed images.
  const images = Array.isArray(p.media)
    ? p.media.filter((m: { media_content_type?: unknown }) => m?.media_content_type === "IMAGE")
    : [];
  const ready = (m: { status?: unknown }) => String(m.status).toLowerCase() === "ready";
  const failed = (m: { status?: unknown }) => String(m.status).toLowerCase() === "failed";
  const readyPhotos = Array.isArray(p.media)
    ? images.filter(ready).length
    : Array.isArray(p.images)
      ? p.images.length
      : 0;
  return {
    id,
    title,
    productType: typeof p.product_type === "string" ? p.product_type : "",
    status: String(p.status ?? "active").toLowerCase(),
    readyPhotos,
    pendingPhotos: images.filter((m: { status?: unknown }) => !ready(m) && !failed(m)).length,
  };
}

export type AutoOutcome =
  | "off"
  | "archived"
  | "not_a_new_product"
  | "needs_photos"
  | "already_done"
  | "no_plan"
  | "over_cap"
  | "refused"
  | "queued"
  | "already_running";

export interface AutoResult {
  outcome: AutoOutcome;
  productId: string;
  generationId?: string;
  message?: string;
}

export interface AutoDeps {
  client: PrismaClient;
  producers: Producers;
  /** The shop's active plan (one Admin API query), asked only for a product that qualifies. */
  plan: () => Promise<UsagePlan | null>;
  /**
   * The product's processed photos now (one Admin API query; null when it cannot be asked), asked
   * when products/create lists too few: Shopify does not deliver webhooks in order, so the
   * products/update with the photos may have come first and been taken for an old product's edit.
   */
  readyPhotosNow?: (productId: string) => Promise<number | null>;
}

const waitingKey = (productId: string) => `auto-waiting:${productId}`;
const doneKey = (productId: string) => `auto:${productId}`;

async function rememberWaiting(client: PrismaClient, shop: string, productId: string): Promise<void> {
  await claimEvent(client, { shop, eventId: waitingKey(productId), topic: AUTO_TOPIC });
}

export type ProductTopic = "products/create" | "products/update";

export interface ProductEvent {
  shop: string;
  topic: ProductTopic;
  product: ProductPayload;
}

/**
 * What can be decided from the database alone: "off", "archived" or "not_a_new_product" end the
 * event; null means the worker has to look further (the plan, the photos, the caps).
 */
export async function webhookOutcome(
  client: PrismaClient,
  { shop, topic, product }: ProductEvent,
): Promise<Extract<AutoOutcome, "off" | "archived" | "not_a_new_product"> | null> {
  const settings = await readShopSettings(client, shop);
  if (!settings.autoGenerate) return "off";
  if (product.status === "archived") return "archived";
  if (topic === "products/update" && !(await eventExists(client, { shop, eventId: waitingKey(product.id) })))
    return "not_a_new_product";
  return null;
}

export async function autoGenerate(deps: AutoDeps, input: ProductEvent): Promise<AutoResult> {
  const { client, producers } = deps;
  const { shop, topic, product } = input;
  const result = (outcome: AutoOutcome, extra: Partial<AutoResult> = {}): AutoResult => ({
    outcome,
    productId: product.id,
    ...extra,
  });
  // Settings may have changed since the webhook was queued: decide again.
  const early = await webhookOutcome(client, input);
  if (early) return result(early);
  const settings = await readShopSettings(client, shop);
  let readyPhotos = product.readyPhotos;
  if (readyPhotos < MIN_PHOTOS && topic === "products/create" && deps.readyPhotosNow) {
    readyPhotos = Math.max(readyPhotos, (await deps.readyPhotosNow(product.id)) ?? 0);
  }
  // One or two photos are too few to tune: such a product takes the fast exact-product lane, once
  // no more photos are processing (a product created with its photos lists them processing first).
  const morePhotosComing = readyPhotos < MIN_PHOTOS && (product.pendingPhotos ?? 0) > 0;
  const modes = morePhotosComing ? null : automaticModes(readyPhotos, settings.fastLane);
  if (!modes) {
    if (topic === "products/create") await rememberWaiting(client, shop, product.id);
    return result("needs_photos", { message: `${readyPhotos} of ${MIN_PHOTOS} photos` });
  }
  if (!(await claimEvent(client, { shop, eventId: doneKey(product.id), topic: AUTO_TOPIC })))
    return result("already_done");

  // From here on, a request that could start later (plan approved, budget freed) gives the claim back.
  const giveBack = async () => {
    await releaseEvent(client, { shop, eventId: doneKey(product.id) });
    await rememberWaiting(client, shop, product.id);
  };
  try {
    const plan = await deps.plan();
    if (!plan) {
      await giveBack();
      return result("no_plan", { message: "No approved SceneBooth plan." });
    }
    const spending = await spendingStatus(client, shop, plan);
    const price = upfrontPriceUsd(laneOf(modes));
    if (price > 0 && affordableUnits(spending, price) < 1) {
      await giveBack();
      return result("over_cap", { message: capMessage(spending, price) });
    }
    const { generation, created } = await requestScenes(client, producers, {
      shop,
      product: { id: product.id, title: product.title, productType: product.productType },
      sceneIds: settings.defaultSceneIds,
      imagesPerScene: settings.imagesPerScene,
      source: "auto",
      options: { allowLowDiversity: settings.allowLowDiversity, modes },
    });
    return result(created ? "queued" : "already_running", { generationId: generation.id });
  } catch (error) {
    // A request the merchant has to change would be refused again on every update: keep the claim.
    if (error instanceof SceneRequestError) return result("refused", { message: error.message });
    await giveBack().catch(() => undefined);
    throw error;
  }
}
