import { gid, parseGid } from "../ids";
import type { Ctx } from "../context";
import { productView } from "./products";
import { fileView } from "./media";
import { bulkOperationView } from "./bulk";

function nodeById(ctx: Ctx, id: string) {
  const ref = parseGid(id);
  if (!ref) return null;
  switch (ref.type) {
    case "Product": {
      const p = ctx.shop.products.find((x) => x.id === ref.id);
      return p ? productView(ctx, p) : null;
    }
    case "MediaImage":
    case "Video":
    case "ExternalVideo":
    case "Model3d":
    case "GenericFile": {
      const f = ctx.shop.files.find((x) => x.id === ref.id && x.typename === ref.type);
      return f ? fileView(ctx, f) : null;
    }
    case "BulkOperation": {
      const op = ctx.shop.bulkOperations.find((x) => x.id === ref.id);
      return op ? bulkOperationView(ctx, op) : null;
    }
    default:
      return null;
  }
}

export const nodeQueries = {
  node(args: { id: string }, ctx: Ctx) {
    return nodeById(ctx, args.id);
  },
  nodes(args: { ids: string[] }, ctx: Ctx) {
    if (args.ids.length > 250) throw new Error("nodes accepts at most 250 ids");
    return args.ids.map((id) => nodeById(ctx, id));
  },
  shop(_args: unknown, ctx: Ctx) {
    const s = ctx.shop;
    return {
      __typename: "Shop",
      id: gid("Shop", s.id),
      name: s.name,
      email: s.email,
      contactEmail: s.email,
      myshopifyDomain: s.domain,
      url: `https://${s.domain}`,
      createdAt: s.createdAt,
      updatedAt: s.createdAt,
      currencyCode: "USD",
      ianaTimezone: "UTC",
    };
  },
};
