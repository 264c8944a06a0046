import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import type { PrismaClient } from "../lib/db";
import { AdminClient, type AdminResult } from "../lib/shopify-admin";
import { ReconnectRequiredError } from "../lib/shopify-admin/offline-tokens";
import { offlineTokenSource, offlineTokens } from "../lib/shopify-admin/shop-admin";
import { MerchantActionError } from "../lib/pipeline/errors";

/** Shopify refused every token of the shop: the merchant's to fix by opening the app, never retried. */
function asMerchantAction(error: unknown): never {
  if (error instanceof ReconnectRequiredError) throw new MerchantActionError(error.code, error.message);
  throw error;
}

/** The worker's Admin API client: a refused token (even mid-stage, after a 401) stops the work with the merchant's fix. */
class WorkerAdminClient extends AdminClient {
  override requestWithCost<T, V extends Record<string, unknown>>(
    document: TypedDocumentNode<T, V>,
    variables: V,
  ): Promise<AdminResult<T>> {
    return super.requestWithCost(document, variables).catch(asMerchantAction);
  }
}

/** The shop's Admin API client with its offline session, refreshed as needed (lib/shopify-admin/offline-tokens.ts). */
export async function adminClientFor(client: PrismaClient, shop: string): Promise<AdminClient> {
  const tokens = offlineTokens(client);
  await tokens.accessToken(shop).catch(asMerchantAction);
  return new WorkerAdminClient({ shop, accessToken: offlineTokenSource(tokens, shop) });
}
