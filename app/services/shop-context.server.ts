import { db, forShop, isDatabaseUnavailable } from "../../lib/db";
import { AdminClient, type AccessTokenSource } from "../../lib/shopify-admin/client";
import { ReconnectRequiredError } from "../../lib/shopify-admin/offline-tokens";
import { offlineTokens } from "../../lib/shopify-admin/shop-admin";
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
  const session = await authenticatedSession(request);
  return { shop: session.shop, admin: requestAdminClient(request, session), db: forShop(db(), session.shop) };
}

/** The Admin API client for an authenticated request: a refused token is renewed, or the request re-authenticated. */
export function requestAdminClient(request: Request, session: { shop: string; accessToken?: string }): AdminClient {
  if (!session.accessToken)
    throw new Response("This store's session has no access token; open the app again.", { status: 401 });
  return new AdminClient({
    shop: session.shop,
    accessToken: requestTokenSource(request, { shop: session.shop, accessToken: session.accessToken }),
  });
}

async function authenticatedSession(request: Request): Promise<{ shop: string; accessToken: string }> {
  const { session } = await authenticate.admin(request).catch((error: unknown) => {
    // The session lives in the database: an outage longer than the pool waits is said plainly.
    if (isDatabaseUnavailable(error)) throw databaseUnavailable();
    throw error;
  });
  if (!session.accessToken)
    throw new Response("This store's session has no access token; open the app again.", { status: 401 });
  return { shop: session.shop, accessToken: session.accessToken };
}

/**
 * The page's token. When Shopify answers 401 (expired, revoked), it is refreshed under the shared
 * lock; when Shopify refuses that too, the stored session has lost its token and the request is
 * authenticated again: the library exchanges the page's session token for a new offline token, or
 * answers with its re-auth flow (the bounce page, or a 401 that App Bridge retries), never a 500.
 */
function requestTokenSource(request: Request, session: { shop: string; accessToken: string }): AccessTokenSource {
  let token = session.accessToken;
  return {
    current: async () => token,
    async rejected(refused) {
      try {
        token = await offlineTokens(db()).rejected(session.shop, refused);
      } catch (error) {
        if (!(error instanceof ReconnectRequiredError)) throw error;
        token = (await authenticatedSession(request)).accessToken;
      }
      return token;
    },
  };
}

export const DATABASE_UNAVAILABLE_MESSAGE = "SceneBooth's database is not answering right now. Try again in a minute.";

/** 503 while the database does not answer: nothing was done, the merchant can try again. */
export function databaseUnavailable(): Response {
  return new Response(DATABASE_UNAVAILABLE_MESSAGE, {
    status: 503,
    statusText: "Service Unavailable",
    headers: { "Retry-After": "60" },
  });
}

/** 404 for anything that is not this shop's. */
export function notFound(what = "This item"): Response {
  return new Response(`${what} was not found in this store.`, { status: 404, statusText: "Not Found" });
}
