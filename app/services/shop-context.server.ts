import { db, forShop } from "../../lib/db";
import { AdminClient } from "../../lib/shopify-admin";
import { authenticate } from "../shopify.server";

export interface ShopContext {
  shop: string;
  /** The shop's own Admin API, with the offline session's token: another shop's ids come back null. */
  admin: AdminClient;
  /** Database queries scoped to this shop. */
  db: ReturnType<typeof forShop>;
}

/** Every app route starts here: authenticates the request and scopes all data to its shop. */
export async function shopContext(request: Request): Promise<ShopContext> {
  const { session } = await authenticate.admin(request);
  if (!session.accessToken) throw new Response("This store's session has no access token; open the app again.", { status: 401 });
  return {
    shop: session.shop,
    admin: new AdminClient({ shop: session.shop, accessToken: session.accessToken }),
    db: forShop(db(), session.shop),
  };
}

/** 404 for anything that is not this shop's. */
export function notFound(what = "This item"): Response {
  return new Response(`${what} was not found in this store.`, { status: 404, statusText: "Not Found" });
}
