// The one way the worker (and the app, for background-style calls) gets a shop's Admin API client:
// its offline session's token, kept fresh by OfflineTokens.
import type { Redis } from "ioredis";
import { config } from "../config";
import type { PrismaClient } from "../db";
import { producers } from "../queue/producer";
import { AdminClient, type AccessTokenSource, type AdminClientOptions } from "./client";
import { OfflineTokens } from "./offline-tokens";
import { shopifyTokenEndpoint } from "./token-endpoint";

const perClient = new WeakMap<PrismaClient, OfflineTokens>();

/** The process's OfflineTokens for this database: the app's credentials, the process-wide Redis connection. */
export function offlineTokens(client: PrismaClient): OfflineTokens {
  let tokens = perClient.get(client);
  if (!tokens) {
    const cfg = config();
    tokens = new OfflineTokens({
      client,
      // The producers' connection: every process that does background work already holds it.
      redis: () => producers().flows.client as unknown as Promise<Redis>,
      keyPrefix: cfg.queuePrefix,
      endpoint: shopifyTokenEndpoint(cfg.shopify),
      log: (line) => console.log(`shopify tokens: ${line}`),
    });
    perClient.set(client, tokens);
  }
  return tokens;
}

/** The shop's offline token for AdminClient: renewed shortly before it expires and once after a 401. */
export function offlineTokenSource(tokens: OfflineTokens, shop: string): AccessTokenSource {
  return { current: () => tokens.accessToken(shop), rejected: (token) => tokens.rejected(shop, token) };
}

/**
 * An Admin API client for the shop's offline session. Throws ReconnectRequiredError (here, or from a
 * request) when Shopify refuses every token of the shop.
 */
export async function shopAdminClient(client: PrismaClient, shop: string, options: Omit<AdminClientOptions, "shop" | "accessToken"> = {}, tokens = offlineTokens(client)): Promise<AdminClient> {
  // Fails here, before any work, when the shop has no usable session.
  await tokens.accessToken(shop);
  return new AdminClient({ ...options, shop, accessToken: offlineTokenSource(tokens, shop) });
}
