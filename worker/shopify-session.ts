import type { PrismaClient } from "../lib/db";
import { AdminClient } from "../lib/shopify-admin";
import { MerchantActionError } from "../lib/pipeline/errors";

/** An Admin API client with the shop's offline access token (stored by the app's session storage). */
export async function adminClientFor(client: PrismaClient, shop: string): Promise<AdminClient> {
  const session = await client.session.findFirst({ where: { shop, isOnline: false }, orderBy: { expires: "desc" } });
  if (!session) {
    throw new MerchantActionError("not_installed", "SceneBooth has no access to this store any more. Open the app once to reconnect it.");
  }
  return new AdminClient({ shop, accessToken: session.accessToken });
}
