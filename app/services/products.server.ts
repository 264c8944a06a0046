// The products dashboard: the shop's products from its Admin API joined with SceneBooth's state.
import { db } from "../../lib/db";
import {
  DashboardProductsByIdsDocument,
  ProductsDashboardDocument,
  type ProductsDashboardQuery,
} from "../../lib/shopify-admin";
import { numericId } from "../components/ids";
import { ApiError } from "./api.server";
import { currentPlan } from "./billing.server";
import { generateForSelection, parseSelection, type BulkContext } from "./bulk.server";
import { appProducers } from "./queues.server";
import type { ShopContext } from "./shop-context.server";

export const PRODUCTS_PAGE_SIZE = 50;
const THUMB_SIZE = 80;
/** A longer "not started" exclusion list would make the search query unreasonably long. */
const MAX_EXCLUDED_IDS = 500;

export const STATE_FILTERS = [
  { id: "all", label: "All", states: null },
  { id: "not_started", label: "Not started", states: null },
  { id: "in_progress", label: "In progress", states: ["checking", "training", "generating", "publishing"] },
  { id: "review", label: "Waiting for review", states: ["review"] },
  { id: "published", label: "Published", states: ["published"] },
  { id: "attention", label: "Needs attention", states: ["needs_attention", "failed"] },
] as const;

export type StateFilterId = (typeof STATE_FILTERS)[number]["id"];

export function parseStateFilter(raw: string | null): StateFilterId {
  return STATE_FILTERS.find((f) => f.id === raw)?.id ?? "all";
}

export interface ProductRow {
  id: string;
  gid: string;
  title: string;
  productType: string;
  status: string;
  thumbnailUrl: string | null;
  thumbnailAlt: string;
  mediaCount: number;
  state: string;
  lastActivity: string | null;
  waitingForReview: number;
}

export interface ProductsPage {
  rows: ProductRow[];
  /** Opaque cursors for ?after= / ?before=; null when there is no such page. */
  next: string | null;
  previous: string | null;
  query: string;
  filter: StateFilterId;
  /** The shop has no subject yet: show the onboarding. */
  newShop: boolean;
  /** The shop has no product at all (only meaningful for the unfiltered first page). */
  emptyShop: boolean;
  note: string | null;
}

type ProductNode = ProductsDashboardQuery["products"]["nodes"][number];

/** Shopify search syntax needs quotes around values with spaces; quotes in the merchant's text are dropped. */
export function searchQuery(text: string): string | null {
  const clean = text.replace(/["'\\]/g, " ").trim();
  return clean ? clean : null;
}

async function joinState(ctx: ShopContext, nodes: ProductNode[]): Promise<ProductRow[]> {
  const ids = nodes.map((n) => n.id);
  const subjects = await ctx.db.subject.findMany({ where: { productId: { in: ids } } });
  const pending = subjects.length
    ? await ctx.db.candidate.groupBy({
        by: ["subjectId"],
        where: { subjectId: { in: subjects.map((s) => s.id) }, state: "pending" },
        _count: { _all: true },
      })
    : [];
  const pendingBySubject = new Map(pending.map((p) => [p.subjectId, p._count._all]));
  const subjectByProduct = new Map(subjects.map((s) => [s.productId, s]));
  return nodes.map((node) => {
    const subject = subjectByProduct.get(node.id);
    const image = node.featuredMedia && "image" in node.featuredMedia ? node.featuredMedia.image : null;
    return {
      id: numericId(node.id),
      gid: node.id,
      title: node.title,
      productType: node.productType,
      status: node.status,
      thumbnailUrl: image?.url ?? null,
      thumbnailAlt: image?.altText || node.title,
      mediaCount: node.mediaCount?.count ?? 0,
      state: subject?.state ?? "not_started",
      lastActivity: subject?.updatedAt.toISOString() ?? null,
      waitingForReview: subject ? (pendingBySubject.get(subject.id) ?? 0) : 0,
    };
  });
}

const encodeOffset = (offset: number) => `o${offset}`;
const decodeOffset = (cursor: string | null) => (cursor && /^o\d+$/.test(cursor) ? Number(cursor.slice(1)) : 0);

/** One page of products: Shopify's cursors for all/not-started, the app's own list for the other states. */
export async function productsPage(
  ctx: ShopContext,
  params: { query: string; filter: StateFilterId; after: string | null; before: string | null },
): Promise<ProductsPage> {
  const text = searchQuery(params.query);
  const subjectCount = await ctx.db.subject.count();
  const base = { query: params.query, filter: params.filter, newShop: subjectCount === 0, note: null as string | null };
  const states = STATE_FILTERS.find((f) => f.id === params.filter)?.states ?? null;

  if (states) {
    const subjects = await ctx.db.subject.findMany({
      where: { state: { in: [...states] } },
      orderBy: [{ productTitle: "asc" }, { id: "asc" }],
    });
    const needle = text?.toLowerCase();
    const matching = needle ? subjects.filter((s) => s.productTitle.toLowerCase().includes(needle)) : subjects;
    const offset = decodeOffset(params.after ?? params.before);
    const start = params.before ? Math.max(0, offset - PRODUCTS_PAGE_SIZE) : offset;
    const slice = matching.slice(start, start + PRODUCTS_PAGE_SIZE);
    const { nodes } = slice.length
      ? await ctx.admin.request(DashboardProductsByIdsDocument, {
          ids: slice.map((s) => s.productId),
          thumbSize: THUMB_SIZE,
        })
      : { nodes: [] };
    // Products deleted in Shopify are left out (their subjects are cleaned up by the webhook).
    const products = nodes.filter((n): n is ProductNode => n !== null && "title" in n);
    return {
      ...base,
      rows: await joinState(ctx, products),
      next: start + PRODUCTS_PAGE_SIZE < matching.length ? encodeOffset(start + PRODUCTS_PAGE_SIZE) : null,
      previous: start > 0 ? encodeOffset(start) : null,
      emptyShop: false,
    };
  }

  const terms: string[] = text ? [text] : [];
  if (params.filter === "not_started") {
    const started = await ctx.db.subject.findMany({
      where: { state: { notIn: ["not_started", "cancelled"] } },
      select: { productId: true },
      take: MAX_EXCLUDED_IDS + 1,
    });
    if (started.length > MAX_EXCLUDED_IDS)
      base.note = `Only the first ${MAX_EXCLUDED_IDS} started products are left out of this list.`;
    terms.push(...started.slice(0, MAX_EXCLUDED_IDS).map((s) => `-id:${numericId(s.productId)}`));
  }
  const query = terms.length ? terms.join(" ") : null;
  const page = params.before
    ? { last: PRODUCTS_PAGE_SIZE, before: params.before }
    : { first: PRODUCTS_PAGE_SIZE, ...(params.after ? { after: params.after } : {}) };
  const { products } = await ctx.admin.request(ProductsDashboardDocument, { ...page, query, thumbSize: THUMB_SIZE });
  return {
    ...base,
    rows: await joinState(ctx, products.nodes),
    next: products.pageInfo.hasNextPage ? products.pageInfo.endCursor : null,
    previous: products.pageInfo.hasPreviousPage ? products.pageInfo.startCursor : null,
    emptyShop: !query && !params.after && !params.before && products.nodes.length === 0,
  };
}

/**
 * "Generate scenes" for the products selected on the dashboard: the admin action's own path
 * (bulk.server.ts) — the same 100-product limit, the plan and both spending caps checked before
 * anything is queued, the same bulk priority.
 */
export async function generateForProducts(ctx: ShopContext, productGids: string[]) {
  const selection = parseSelection({ productIds: productGids });
  if (selection.kind !== "products") throw new ApiError(400, "Select at least one product.", "bad_request");
  const bulk: BulkContext = {
    client: db(),
    producers: appProducers(),
    admin: ctx.admin,
    shop: ctx.shop,
    plan: () => currentPlan(ctx.admin),
  };
  return generateForSelection(bulk, selection.productIds);
}
