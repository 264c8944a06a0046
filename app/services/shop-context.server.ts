import { db, forShop, isDatabaseUnavailable } from "../../lib/db";
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
  const { session } = await authenticate.admin(request).catch((error: unknown) => {
    // The session lives in the database: an outage longer than the pool waits is said plainly.
    if (isDatabaseUnavailable(error)) throw databaseUnavailable();
    throw error;
  });
  if (!session.accessToken) throw new Response("This store's session has no access token; open the app again.", { status: 401 });
  return {
    shop: session.shop,
    admin: new AdminClient({ shop: session.shop, accessToken: session.accessToken }),
    db: forShop(db(), session.shop),
  };
}

export const DATABASE_UNAVAILABLE_MESSAGE = "SceneBooth's database is not answering right now. Try again in a minute.";

/** 503 while the database does not answer: nothing was done, the merchant can try again. */
export function databaseUnavailable(): Response {
  return new Response(DATABASE_UNAVAILABLE_MESSAGE, { status: 503, statusText: "Service Unavailable", headers: { "Retry-After": "60" } });
}

/** 404 for anything that is not this shop's. */
export function notFound(what = "This item"): Response {
  return new Response(`${what} was not found in this store.`, { status: 404, statusText: "Not Found" });
}
