// "Generate scenes" for several products at once: the product-list selection action, the
// product-page action (a selection of one) and "all products" (the catalog through one bulk
// operation). Every product id is checked against the shop through the Admin API, batches are
// capped, caps and the plan are checked before anything is queued, and requests go in with bulk
// priority (one open request per product: lib/pipeline/request-scenes).
import { randomUUID } from "node:crypto";
import {
  affordableUnits,
  capMessage,
  spendingStatus,
  usd,
  type SpendingStatus,
  type UsagePlan,
} from "../../lib/billing";
import { db, forShop, type PrismaClient } from "../../lib/db";
import { dailyLimitMessage } from "../../lib/pipeline/daily-images";
import { automaticScenes, requestClassNoun, requestScenesBatch } from "../../lib/pipeline/request-scenes";
import { automaticModes, FAST_LANE_MIN_PHOTOS, laneOf, type GenerationLane } from "../../lib/pipeline/generation-modes";
import { stageLabel } from "../../lib/pipeline/stages";
import { SUBJECT_STATE_LABELS, subjectStateText } from "../../lib/state-labels";
import type { Producers } from "../../lib/queue/producer";
import { listBrandPresets, type BrandPreset } from "../../lib/brand-presets";
import { sceneById } from "../../lib/scenes";
import { readShopSettings, type ShopSettings } from "../../lib/shop-settings";
import type { AdminClient } from "../../lib/shopify-admin/client";
import { ProductsPhotosDocument } from "../../lib/shopify-admin/generated";
import { PRICES_USD } from "../../lib/usage";
import type { Session } from "@shopify/shopify-app-remix/server";
import { ApiError } from "./api.server";
import { dailyImagesView, shopDailyImages } from "./daily-images.server";
import { adminClient, currentPlan } from "./billing.server";
import { appProducers } from "./queues.server";
import { readCatalog, type CatalogOptions } from "./catalog.server";
import { isProductGid, NEEDS_PHOTOS_MESSAGE, productLegacyId } from "./photos.server";

/** Products per selection request (the product list selects at most a page at a time). */
export const MAX_SELECTION = 100;
/** Requests started by one "all products" run; the next run continues with the rest. */
export const MAX_CATALOG_RUN = 250;
/** Products per Admin query (keeps the query cost well under Shopify's 1,000-point limit). */
const QUERY_CHUNK = 50;
const MEDIA_PER_PRODUCT = 10;

export interface BulkContext {
  client: PrismaClient;
  producers: Producers;
  admin: AdminClient;
  shop: string;
  plan: () => Promise<UsagePlan | null>;
  catalog?: CatalogOptions;
}

/** The context for an authenticated admin session (process-wide database and queues). */
export function bulkContextFor(session: Session, admin: AdminClient = adminClient(session)): BulkContext {
  return { client: db(), producers: appProducers(), admin, shop: session.shop, plan: () => currentPlan(admin) };
}

export type Selection = { kind: "products"; productIds: string[] } | { kind: "all" };

/** Validates the JSON body { productIds: [...] } or { all: true }. */
export function parseSelection(body: unknown): Selection {
  const b = body as { productIds?: unknown; all?: unknown } | null;
  if (!b || typeof b !== "object")
    throw new ApiError(400, "Send { productIds: [...] } or { all: true }.", "bad_request");
  if (b.all === true) return { kind: "all" };
  if (!Array.isArray(b.productIds) || b.productIds.length === 0)
    throw new ApiError(400, "Select at least one product.", "bad_request");
  const bad = b.productIds.filter((id) => !isProductGid(id));
  if (bad.length) {
    // Quote short plain values only: the answer never carries the caller's markup or a huge string back.
    const shown = bad
      .filter((id) => typeof id === "string" && /^[\w:/.-]{1,80}$/.test(id))
      .slice(0, 3)
      .map((id) => JSON.stringify(id));
    const others = bad.length - shown.length;
    throw new ApiError(
      400,
      `Not product ids: ${[...shown, ...(others > 0 ? [`${others} other value${others === 1 ? "" : "s"}`] : [])].join(", ")}.`,
      "bad_request",
    );
  }
  const productIds = [...new Set(b.productIds as string[])];
  if (productIds.length > MAX_SELECTION) {
    throw new ApiError(
      413,
      `Select at most ${MAX_SELECTION} products at a time (you selected ${productIds.length}), or use "all products" in SceneBooth.`,
      "too_many",
    );
  }
  return { kind: "products", productIds };
}

interface ProductPhotos {
  id: string;
  title: string;
  productType: string;
  status: string;
  photos: number;
}

/** The selected products as the shop has them; an id the shop does not have is refused. */
async function readSelected(admin: AdminClient, ids: string[]): Promise<ProductPhotos[]> {
  const found = new Map<string, ProductPhotos>();
  for (let i = 0; i < ids.length; i += QUERY_CHUNK) {
    const { nodes } = await admin.request(ProductsPhotosDocument, {
      ids: ids.slice(i, i + QUERY_CHUNK),
      mediaFirst: MEDIA_PER_PRODUCT,
    });
    for (const node of nodes) {
      if (!node || !("media" in node)) continue;
      const photos = node.media.nodes.filter((m) => m.mediaContentType === "IMAGE" && m.status === "READY").length;
      found.set(node.id, {
        id: node.id,
        title: node.title,
        productType: node.productType,
        status: node.status,
        photos,
      });
    }
  }
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length) {
    throw new ApiError(
      404,
      `${missing.length} of the selected products ${missing.length === 1 ? "is" : "are"} not in this store: ${missing.slice(0, 3).join(", ")}.`,
      "not_found",
    );
  }
  return ids.map((id) => found.get(id)!);
}

export interface ProductState {
  state: string;
  label: string;
  /** The request in progress, if any. */
  running: { generationId: string; status: string; progress: number; stage: string } | null;
  waitingForReview: number;
  lastError: string | null;
  /** Has had at least one request (any outcome). */
  generatedBefore: boolean;
}

async function productStates(
  client: PrismaClient,
  shop: string,
  productIds: string[],
): Promise<Map<string, ProductState>> {
  const db = forShop(client, shop);
  const subjects = await db.subject.findMany({
    where: { productId: { in: productIds } },
    include: {
      generations: { orderBy: { createdAt: "desc" }, take: 1 },
      _count: { select: { candidates: { where: { state: "pending", selected: true } }, generations: true } },
    },
  });
  const states = new Map<string, ProductState>();
  for (const s of subjects) {
    const latest = s.generations[0];
    const open = latest && (latest.status === "queued" || latest.status === "running") ? latest : null;
    states.set(s.productId, {
      state: s.state,
      label: subjectStateText(s.state),
      running: open
        ? { generationId: open.id, status: open.status, progress: open.progress, stage: stageLabel(open.stage) }
        : null,
      waitingForReview: s._count.candidates,
      lastError: s.lastError,
      generatedBefore: s._count.generations > 0,
    });
  }
  return states;
}

const NOT_STARTED: ProductState = {
  state: "not_started",
  label: SUBJECT_STATE_LABELS.not_started,
  running: null,
  waitingForReview: 0,
  lastError: null,
  generatedBefore: false,
};

/** The shop's default scenes; a brand preset comes with its name. */
function sceneSet(settings: ShopSettings, presets: readonly BrandPreset[]) {
  return settings.defaultSceneIds.map((id) => {
    const scene = sceneById(id, presets);
    const preset = presets.find((p) => p.id === id);
    return { id: scene.id, kind: scene.kind, text: scene.text, ...(preset && { name: preset.name }) };
  });
}

/** How many of the default scenes a bulk request of the product makes (0: none suits it; it would be refused). */
function suitedSceneCount(scenes: ReadonlyArray<{ id: string }>, product: { title: string; productType: string }) {
  return automaticScenes(scenes, { classNoun: requestClassNoun({ product }), productType: product.productType }).length;
}

function spendingView(spending: SpendingStatus | null) {
  if (!spending) return null;
  return {
    remainingUsd: spending.remainingUsd,
    binding: spending.binding,
    merchantCapUsd: spending.merchantCapUsd,
    planCapUsd: spending.plan.cappedAmountUsd,
  };
}

function progressPath(productIds: string[]): string {
  return productIds.length === 1 ? `/app/products/${productLegacyId(productIds[0]!)}` : "/app";
}

async function planAndSpending(ctx: BulkContext): Promise<{ plan: UsagePlan | null; spending: SpendingStatus | null }> {
  const plan = await ctx.plan();
  return { plan, spending: plan ? await spendingStatus(ctx.client, ctx.shop, plan) : null };
}

const PLAN_MESSAGE = "Approve the SceneBooth plan first: open SceneBooth and accept the usage charges, then try again.";

/** What "Generate scenes" would do for the selection: photos, states, scenes and the estimated cost. */
export async function previewSelection(ctx: BulkContext, productIds: string[]) {
  const settings = await readShopSettings(ctx.client, ctx.shop);
  const scenes = sceneSet(settings, await listBrandPresets(ctx.client, ctx.shop));
  const products = await readSelected(ctx.admin, productIds);
  const states = await productStates(ctx.client, ctx.shop, productIds);
  const { plan, spending } = await planAndSpending(ctx);
  const rows = products.map((p) => {
    const modes = automaticModes(p.photos, settings.fastLane);
    const suited = suitedSceneCount(scenes, p);
    return {
      id: p.id,
      title: p.title,
      photos: p.photos,
      enoughPhotos: modes !== null,
      lane: modes && laneOf(modes),
      /** The default scenes this product gets (library scenes that do not suit it are left out). */
      scenes: suited,
      /** Images to review if it starts: its scenes × images per scene × kinds of images. */
      images: modes ? suited * settings.imagesPerScene * modes.length : 0,
      ...(states.get(p.id) ?? NOT_STARTED),
    };
  });
  // What Generate starts: products with photos, not running, with at least one suitable scene.
  const starts = rows.filter((r) => r.enoughPhotos && !r.running && r.scenes > 0);
  const startable = starts.length;
  const tuning = starts.filter((r) => r.lane === "tuned").length;
  const totalUsd = tuning * PRICES_USD.tuned_product;
  const today = await shopDailyImages(forShop(ctx.client, ctx.shop));
  const images = starts.reduce((sum, r) => sum + r.images, 0);
  let message: string | null = null;
  if (!plan) message = PLAN_MESSAGE;
  else if (spending && tuning > affordableUnits(spending, PRICES_USD.tuned_product))
    message = capMessage(spending, totalUsd);
  else if (images > today.remaining) message = dailyLimitMessage(today, images);
  return {
    products: rows,
    counts: {
      selected: rows.length,
      enoughPhotos: rows.filter((r) => r.enoughPhotos).length,
      needsPhotos: rows.filter((r) => !r.enoughPhotos).length,
      running: rows.filter((r) => r.running).length,
      noSuitableScene: rows.filter((r) => r.enoughPhotos && !r.running && r.scenes === 0).length,
    },
    minPhotos: FAST_LANE_MIN_PHOTOS,
    scenes,
    imagesPerScene: settings.imagesPerScene,
    estimate: {
      products: startable,
      /** Products in the fast exact-product lane: no tuning charge. */
      fastLane: startable - tuning,
      pricePerProductUsd: PRICES_USD.tuned_product,
      totalUsd,
      pricePerPublishedImageUsd: PRICES_USD.images_published,
      /** Images to review across the products that start (counted against today's limit). */
      images,
    },
    plan: { active: Boolean(plan) },
    spending: spendingView(spending),
    dailyImages: dailyImagesView(today),
    message,
    progressPath: progressPath(productIds),
  };
}

export type ItemStatus = "queued" | "already_running" | "needs_photos" | "over_cap" | "refused";

export interface ItemResult {
  id: string;
  title: string;
  status: ItemStatus;
  /** The lane a started product runs in: "fast" makes exact-product images without tuning. */
  lane?: GenerationLane;
  generationId?: string;
  message?: string;
}

/**
 * Starts requests for products with enough photos, as far as the caps allow; says what happened to
 * each. The requests go in as one batch (one transaction, one Redis round trip).
 */
async function startRequests(
  ctx: BulkContext,
  settings: ShopSettings,
  products: Array<{ id: string; title: string; productType: string; photos: number }>,
  budget: number,
) {
  const results: ItemResult[] = new Array(products.length);
  const modes = products.map((p) => automaticModes(p.photos, settings.fastLane));
  const withPhotos = products.filter((_, i) => modes[i]);
  const open = await forShop(ctx.client, ctx.shop).generation.findMany({
    where: { subject: { productId: { in: withPhotos.map((p) => p.id) } }, status: { in: ["queued", "running"] } },
    select: { id: true, subject: { select: { productId: true } } },
  });
  const openByProduct = new Map(open.map((g) => [g.subject.productId, g.id]));
  const bulkRunId = randomUUID();
  const toStart: number[] = [];
  let left = budget;
  products.forEach((p, i) => {
    const item = { id: p.id, title: p.title };
    const lane = modes[i] && laneOf(modes[i]);
    if (!lane) results[i] = { ...item, status: "needs_photos", message: NEEDS_PHOTOS_MESSAGE };
    else if (openByProduct.has(p.id))
      results[i] = {
        ...item,
        status: "already_running",
        generationId: openByProduct.get(p.id),
        message: "Already in progress.",
      };
    // Only tuning is charged before an image is published: the fast lane needs no budget to start.
    else if (lane === "tuned" && left < 1) results[i] = { ...item, status: "over_cap" };
    else {
      if (lane === "tuned") left -= 1;
      toStart.push(i);
    }
  });
  const outcomes = await requestScenesBatch(
    ctx.client,
    ctx.producers,
    toStart.map((i) => ({
      shop: ctx.shop,
      product: { id: products[i]!.id, title: products[i]!.title, productType: products[i]!.productType },
      sceneIds: settings.defaultSceneIds,
      imagesPerScene: settings.imagesPerScene,
      source: "bulk" as const,
      options: { allowLowDiversity: settings.allowLowDiversity, modes: modes[i]! },
      bulkRunId,
    })),
  );
  outcomes.forEach((outcome, k) => {
    const p = products[toStart[k]!]!;
    const item = { id: p.id, title: p.title };
    if (!outcome.ok) results[toStart[k]!] = { ...item, status: "refused", message: outcome.error.message };
    else if (outcome.created)
      results[toStart[k]!] = {
        ...item,
        status: "queued",
        generationId: outcome.generation.id,
        lane: laneOf(modes[toStart[k]!]!),
      };
    else
      results[toStart[k]!] = {
        ...item,
        status: "already_running",
        generationId: outcome.generation.id,
        message: "Already in progress.",
      };
  });
  return results;
}

function countResults(results: ItemResult[]) {
  const count = (status: ItemStatus) => results.filter((r) => r.status === status).length;
  return {
    queued: count("queued"),
    alreadyRunning: count("already_running"),
    needsPhotos: count("needs_photos"),
    overCap: count("over_cap"),
    refused: count("refused"),
  };
}

function summary(results: ItemResult[], spending: SpendingStatus): string {
  const counts = countResults(results);
  const parts: string[] = [];
  const products = (n: number) => `${n} product${n === 1 ? "" : "s"}`;
  const fast = results.filter((r) => r.status === "queued" && r.lane === "fast").length;
  if (counts.queued)
    parts.push(
      `Started ${products(counts.queued)} (about ${usd((counts.queued - fast) * PRICES_USD.tuned_product)}${fast ? `; ${fast} in the fast exact-product lane, with no tuning charge` : ""}).`,
    );
  if (counts.alreadyRunning) parts.push(`${products(counts.alreadyRunning)} already in progress.`);
  if (counts.needsPhotos)
    parts.push(
      `${products(counts.needsPhotos)} need${counts.needsPhotos === 1 ? "s" : ""} photos: add at least one photo of each.`,
    );
  if (counts.refused) {
    const reason = results.find((r) => r.status === "refused")?.message;
    parts.push(`${products(counts.refused)} could not be started${reason ? `: ${reason}` : "."}`);
  }
  if (counts.overCap)
    parts.push(
      `${products(counts.overCap)} not started: ${capMessage(spending, counts.overCap * PRICES_USD.tuned_product)}`,
    );
  return parts.join(" ") || "Nothing to start.";
}

/** "Generate scenes" for the selected products. */
export async function generateForSelection(ctx: BulkContext, productIds: string[]) {
  const settings = await readShopSettings(ctx.client, ctx.shop);
  const products = await readSelected(ctx.admin, productIds);
  const { plan, spending } = await planAndSpending(ctx);
  if (!plan || !spending) throw new ApiError(402, PLAN_MESSAGE, "plan_required");
  const results = await startRequests(ctx, settings, products, affordableUnits(spending, PRICES_USD.tuned_product));
  for (const r of results) if (r.status === "over_cap") r.message = capMessage(spending, PRICES_USD.tuned_product);
  const counts = countResults(results);
  return { results, counts, message: summary(results, spending), progressPath: progressPath(productIds) };
}

/** Products of the catalog that have never had a request. */
async function neverGenerated(client: PrismaClient, shop: string, ids: string[]): Promise<Set<string>> {
  const done = await forShop(client, shop).subject.findMany({
    where: { generations: { some: {} } },
    select: { productId: true },
  });
  const seen = new Set(done.map((s) => s.productId));
  return new Set(ids.filter((id) => !seen.has(id)));
}

/** "All products": the catalog through one bulk operation; a summary, not a row per product. */
export async function previewCatalog(ctx: BulkContext) {
  const settings = await readShopSettings(ctx.client, ctx.shop);
  const read = await readCatalog(ctx.admin, ctx.catalog);
  if (read.status === "running")
    return {
      status: "reading_catalog" as const,
      message: "Reading your catalog from Shopify. This takes a moment for large stores; try again shortly.",
    };
  const fresh = await neverGenerated(
    ctx.client,
    ctx.shop,
    read.products.map((p) => p.id),
  );
  const live = read.products.filter((p) => p.status !== "ARCHIVED");
  const lanes = new Map(live.map((p) => [p.id, automaticModes(p.readyPhotos, settings.fastLane)]));
  const startableRows = live.filter((p) => lanes.get(p.id) && fresh.has(p.id));
  const startable = startableRows.length;
  const { plan, spending } = await planAndSpending(ctx);
  const thisRun = Math.min(startable, MAX_CATALOG_RUN);
  const thisRunFast = startableRows.slice(0, thisRun).filter((p) => laneOf(lanes.get(p.id)!) === "fast").length;
  return {
    status: "ready" as const,
    counts: {
      products: read.products.length,
      enoughPhotos: live.filter((p) => lanes.get(p.id)).length,
      needsPhotos: live.filter((p) => !lanes.get(p.id)).length,
      notGeneratedYet: startable,
    },
    estimate: {
      products: thisRun,
      fastLane: thisRunFast,
      pricePerProductUsd: PRICES_USD.tuned_product,
      totalUsd: (thisRun - thisRunFast) * PRICES_USD.tuned_product,
      pricePerPublishedImageUsd: PRICES_USD.images_published,
    },
    plan: { active: Boolean(plan) },
    spending: spendingView(spending),
    dailyImages: dailyImagesView(await shopDailyImages(forShop(ctx.client, ctx.shop))),
    message: plan ? null : PLAN_MESSAGE,
  };
}

export async function generateForCatalog(ctx: BulkContext) {
  const settings = await readShopSettings(ctx.client, ctx.shop);
  const { plan, spending } = await planAndSpending(ctx);
  if (!plan || !spending) throw new ApiError(402, PLAN_MESSAGE, "plan_required");
  const read = await readCatalog(ctx.admin, ctx.catalog);
  if (read.status === "running")
    return {
      status: "reading_catalog" as const,
      message: "Reading your catalog from Shopify; nothing was started yet. Try again shortly.",
      progressPath: "/app",
    };
  const fresh = await neverGenerated(
    ctx.client,
    ctx.shop,
    read.products.map((p) => p.id),
  );
  const candidates = read.products.filter(
    (p) => p.status !== "ARCHIVED" && automaticModes(p.readyPhotos, settings.fastLane) && fresh.has(p.id),
  );
  const thisRun = candidates.slice(0, MAX_CATALOG_RUN).map((p) => ({ ...p, photos: p.readyPhotos }));
  const results = await startRequests(ctx, settings, thisRun, affordableUnits(spending, PRICES_USD.tuned_product));
  const counts = countResults(results);
  const later = candidates.length - thisRun.length;
  const needsPhotos = read.products.filter(
    (p) => p.status !== "ARCHIVED" && !automaticModes(p.readyPhotos, settings.fastLane),
  ).length;
  const message = [
    summary(results, spending),
    later ? `${later} more products will be started by the next run.` : "",
    needsPhotos ? `${needsPhotos} products need photos.` : "",
  ]
    .filter(Boolean)
    .join(" ");
  return {
    status: "ready" as const,
    counts: { products: read.products.length, ...counts, needsPhotos, later },
    message,
    progressPath: "/app",
  };
}
