import { gid, requireGid } from "../ids";
import { connection, type ConnectionArgs } from "../connection";
import { productMatches } from "../search";
import type { Ctx } from "../context";
import { newId, nowIso, type ProductRecord, type ProductStatus } from "../state";
import { productDeletePayload } from "../webhook-payloads";
import {
  createFile,
  createOtherMedia,
  fileView,
  filesOf,
  isExternalVideoUrl,
  MAX_MEDIA_PER_PRODUCT,
  MEDIA_CONTENT_TYPES,
} from "./media";

export function productView(ctx: Ctx, p: ProductRecord) {
  // Every kind of product media, images or not, as Shopify lists them (GenericFile is never product media).
  const media = () => filesOf(ctx.shop, p.mediaIds).filter((f) => f.typename !== "GenericFile");
  return {
    __typename: "Product",
    id: gid("Product", p.id),
    legacyResourceId: String(p.id),
    title: p.title,
    handle: p.handle,
    productType: p.productType,
    vendor: p.vendor,
    status: p.status,
    tags: p.tags,
    descriptionHtml: p.descriptionHtml,
    description: (args: { truncateAt?: number | null }) => {
      const text = p.descriptionHtml.replace(/<[^>]*>/g, "").trim();
      return args.truncateAt ? text.slice(0, args.truncateAt) : text;
    },
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    isGiftCard: false,
    hasOnlyDefaultVariant: true,
    onlineStoreUrl: null,
    media: (args: ConnectionArgs & { query?: string | null }) => {
      let list = media();
      const type = /media_type:(\w+)/i.exec(args.query ?? "")?.[1]?.toUpperCase();
      if (type) list = list.filter((f) => MEDIA_CONTENT_TYPES[f.typename as keyof typeof MEDIA_CONTENT_TYPES] === type);
      // Keep the product's own order (position), not id order.
      const positioned = list.map((f, i) => ({ id: f.id, f, i }));
      return connection(positioned, args, (x) => fileView(ctx, x.f), ctx.bulk);
    },
    mediaCount: { count: media().length, precision: "EXACT" },
    featuredMedia: () => {
      const first = media()[0];
      return first ? fileView(ctx, first) : null;
    },
  };
}

interface ProductInputFields {
  id?: string | null;
  title?: string | null;
  handle?: string | null;
  productType?: string | null;
  vendor?: string | null;
  status?: ProductStatus | null;
  descriptionHtml?: string | null;
  tags?: string[] | null;
}

interface CreateMediaInput {
  originalSource: string;
  alt?: string | null;
  mediaContentType: "IMAGE" | "VIDEO" | "EXTERNAL_VIDEO" | "MODEL_3D";
}

type UserError = { field: string[]; message: string };

const SUPPORTED_FIELDS = new Set([
  "id",
  "title",
  "handle",
  "productType",
  "vendor",
  "status",
  "descriptionHtml",
  "tags",
]);

function slug(title: string): string {
  return (
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "product"
  );
}

function uniqueHandle(ctx: Ctx, wanted: string, self?: number): string {
  let handle = wanted;
  for (let n = 1; ctx.shop.products.some((p) => p.handle === handle && p.id !== self); n++) handle = `${wanted}-${n}`;
  return handle;
}

function checkInput(input: ProductInputFields, errors: UserError[]): void {
  // Unset, null and false (the schema's defaults, e.g. deleteConflictingConstrainedMetafields) change nothing.
  const unsupported = Object.entries(input)
    .filter(([k, v]) => !SUPPORTED_FIELDS.has(k) && v !== undefined && v !== null && v !== false)
    .map(([k]) => k);
  if (unsupported.length)
    errors.push({
      field: [unsupported[0]!],
      message: `${unsupported.join(", ")} ${unsupported.length > 1 ? "are" : "is"} not implemented by the local store`,
    });
  if (input.title !== undefined && input.title !== null && !input.title.trim())
    errors.push({ field: ["title"], message: "Title can't be blank" });
}

function checkMedia(media: CreateMediaInput[] | null | undefined, existing: number, errors: UserError[]): void {
  (media ?? []).forEach((m, i) => {
    if (m.mediaContentType === "EXTERNAL_VIDEO" && !isExternalVideoUrl(m.originalSource)) {
      errors.push({ field: ["media", String(i), "originalSource"], message: "External video URL is invalid" });
      return;
    }
    try {
      const u = new URL(m.originalSource);
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
    } catch {
      errors.push({ field: ["media", String(i), "originalSource"], message: "Image URL is invalid" });
    }
  });
  if (existing + (media?.length ?? 0) > MAX_MEDIA_PER_PRODUCT)
    errors.push({ field: ["media"], message: `A product can have at most ${MAX_MEDIA_PER_PRODUCT} media` });
}

function attachMedia(ctx: Ctx, p: ProductRecord, media: CreateMediaInput[] | null | undefined): void {
  for (const m of media ?? []) {
    const file =
      m.mediaContentType === "IMAGE"
        ? createFile(ctx, { originalSource: m.originalSource, alt: m.alt, typename: "MediaImage" })
        : createOtherMedia(ctx, { originalSource: m.originalSource, alt: m.alt, mediaContentType: m.mediaContentType });
    file.productIds.push(p.id);
    p.mediaIds.push(file.id);
  }
}

/** Creates a product (GraphQL productCreate and the control endpoint) and fires products/create. */
export function createProduct(
  ctx: Ctx,
  input: ProductInputFields,
  media?: CreateMediaInput[] | null,
): { product: ProductRecord | null; userErrors: UserError[] } {
  const userErrors: UserError[] = [];
  checkInput(input, userErrors);
  if (!input.title?.trim()) userErrors.push({ field: ["title"], message: "Title can't be blank" });
  checkMedia(media, 0, userErrors);
  if (userErrors.length) return { product: null, userErrors };
  const at = nowIso();
  const p: ProductRecord = {
    id: newId(ctx.store.state),
    title: input.title!.trim(),
    handle: uniqueHandle(ctx, input.handle?.trim() || slug(input.title!)),
    productType: input.productType ?? "",
    vendor: input.vendor ?? ctx.shop.name,
    status: input.status ?? "ACTIVE",
    descriptionHtml: input.descriptionHtml ?? "",
    tags: input.tags ?? [],
    mediaIds: [],
    createdAt: at,
    updatedAt: at,
  };
  ctx.shop.products.push(p);
  attachMedia(ctx, p, media);
  ctx.store.changed();
  ctx.store.productWebhook("products/create", ctx.shop, p);
  return { product: p, userErrors: [] };
}

export const productQueries = {
  products(args: ConnectionArgs & { query?: string | null; sortKey?: string | null }, ctx: Ctx) {
    let list = ctx.shop.products.filter((p) => productMatches(p, args.query));
    if (args.sortKey === "TITLE") list = [...list].sort((a, b) => a.title.localeCompare(b.title));
    else if (args.sortKey === "UPDATED_AT") list = [...list].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
    return connection(list, args, (p) => productView(ctx, p), ctx.bulk);
  },
  product(args: { id: string }, ctx: Ctx) {
    const ref = requireGid(args.id);
    const p = ref.type === "Product" ? ctx.shop.products.find((x) => x.id === ref.id) : undefined;
    return p ? productView(ctx, p) : null;
  },
};

export const productMutations = {
  productCreate(args: { product?: ProductInputFields | null; media?: CreateMediaInput[] | null }, ctx: Ctx) {
    const { product, userErrors } = createProduct(ctx, args.product ?? {}, args.media);
    return { product: product ? productView(ctx, product) : null, shop: { id: gid("Shop", ctx.shop.id) }, userErrors };
  },

  productUpdate(args: { product?: ProductInputFields | null; media?: CreateMediaInput[] | null }, ctx: Ctx) {
    const input = args.product ?? {};
    const ref = input.id ? requireGid(input.id) : null;
    const p = ref?.type === "Product" ? ctx.shop.products.find((x) => x.id === ref.id) : undefined;
    if (!p) return { product: null, userErrors: [{ field: ["id"], message: "Product does not exist" }] };
    const userErrors: UserError[] = [];
    checkInput(input, userErrors);
    checkMedia(args.media, p.mediaIds.length, userErrors);
    if (userErrors.length) return { product: null, userErrors };
    if (input.title != null) p.title = input.title.trim();
    if (input.handle != null) p.handle = uniqueHandle(ctx, input.handle, p.id);
    if (input.productType != null) p.productType = input.productType;
    if (input.vendor != null) p.vendor = input.vendor;
    if (input.status != null) p.status = input.status;
    if (input.descriptionHtml != null) p.descriptionHtml = input.descriptionHtml;
    if (input.tags != null) p.tags = input.tags;
    attachMedia(ctx, p, args.media);
    p.updatedAt = nowIso();
    ctx.store.changed();
    ctx.store.productWebhook("products/update", ctx.shop, p);
    return { product: productView(ctx, p), userErrors: [] };
  },

  /** Deletes the product and the media only it used, then fires products/delete (as Shopify does). */
  productDelete(args: { input: { id: string } }, ctx: Ctx) {
    const ref = requireGid(args.input.id);
    const p = ref.type === "Product" ? ctx.shop.products.find((x) => x.id === ref.id) : undefined;
    if (!p)
      return {
        deletedProductId: null,
        shop: { id: gid("Shop", ctx.shop.id) },
        userErrors: [{ field: ["id"], message: "Product does not exist" }],
      };
    ctx.shop.products = ctx.shop.products.filter((x) => x !== p);
    for (const file of ctx.shop.files) file.productIds = file.productIds.filter((id) => id !== p.id);
    ctx.shop.files = ctx.shop.files.filter((f) => !p.mediaIds.includes(f.id) || f.productIds.length > 0);
    ctx.store.changed();
    ctx.store.webhooks.trigger("products/delete", ctx.shop.domain, productDeletePayload(p));
    return { deletedProductId: gid("Product", p.id), shop: { id: gid("Shop", ctx.shop.id) }, userErrors: [] };
  },
};
