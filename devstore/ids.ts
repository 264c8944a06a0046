import { GraphQLError } from "graphql";

export type GidType =
  | "Product"
  | "MediaImage"
  | "GenericFile"
  | "Video"
  | "ExternalVideo"
  | "Model3d"
  | "ImageSource"
  | "BulkOperation"
  | "Job"
  | "Shop";

export function gid(type: GidType, id: number | string): string {
  return `gid://shopify/${type}/${id}`;
}

/** Parses `gid://shopify/Type/123`; null for anything else. */
export function parseGid(value: string): { type: string; id: number } | null {
  const m = /^gid:\/\/shopify\/([A-Za-z0-9]+)\/(\d+)(?:\?.*)?$/.exec(value);
  if (!m) return null;
  return { type: m[1]!, id: Number(m[2]) };
}

/** Like Shopify: an ID argument that is not a global ID is a top-level error, not a null result. */
export function requireGid(value: string, expected?: string): { type: string; id: number } {
  const parsed = parseGid(value);
  if (!parsed || (expected && parsed.type !== expected)) {
    throw new GraphQLError(`Invalid global id '${value}'`, { extensions: { code: "argumentLiteralsIncompatible" } });
  }
  return parsed;
}

/** Opaque pagination cursors in Shopify's shape (base64 JSON with the last id). */
export function encodeCursor(id: number): string {
  return Buffer.from(JSON.stringify({ last_id: id, last_value: String(id) })).toString("base64");
}

export function decodeCursor(cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64").toString("utf8")) as { last_id?: unknown };
    if (typeof parsed.last_id === "number") return parsed.last_id;
  } catch {
    // fall through
  }
  throw new GraphQLError(`Invalid cursor for current pagination sort.`, { extensions: { code: "BAD_REQUEST" } });
}
