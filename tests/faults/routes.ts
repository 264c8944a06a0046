// The app's routes as the embedded admin calls them (session token, Remix's `_data` for the JSON of
// a loader or action), for the fault suite's text and isolation cases.
import type { TestStack } from "../harness/stack";
import { DEMO_SHOP } from "./helpers";

export const numericId = (gid: string) => gid.split("/").pop()!;

/** Remix answers a route's loader/action data as JSON when `_data` names the route. */
export const dataUrl = (path: string, route: string) =>
  `${path}${path.includes("?") ? "&" : "?"}_data=${encodeURIComponent(route)}`;

export const STUDIO_ROUTE = "routes/app.products.$id";

export function formBody(fields: Record<string, string | string[]>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields))
    for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
  return body;
}

export function routePost(
  stack: TestStack,
  path: string,
  route: string,
  fields: Record<string, string | string[]>,
  shop = DEMO_SHOP,
): Promise<Response> {
  return stack.appFetch(dataUrl(path, route), { method: "POST", body: formBody(fields), shop });
}

/** A studio form post for a product of `shop`; `mediaId` defaults to the product's READY photos. */
export function studioPost(
  stack: TestStack,
  productGid: string,
  fields: Record<string, string | string[]>,
  shop = DEMO_SHOP,
): Promise<Response> {
  const mediaId =
    fields.mediaId ??
    stack.store.control
      .productMedia(shop, productGid)
      .filter((m) => m.status === "READY")
      .map((m) => m.id);
  return routePost(stack, `/app/products/${numericId(productGid)}`, STUDIO_ROUTE, { ...fields, mediaId }, shop);
}
