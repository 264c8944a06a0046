// The process's OfflineTokens (the app's credentials, the process-wide Redis connection), and the
// token source an AdminClient uses with them: the one way the worker gets a shop's token.
import type { Redis } from "ioredis";
import { config } from "../config";
import type { PrismaClient } from "../db";
import { producers } from "../queue/producer";
import type { AccessTokenSource } from "./client";
import { OfflineTokens } from "./offline-tokens";
import { shopifyTokenEndpoint } from "./token-endpoint";
import { log } from "../log";

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
      log: (line) => log.info(`shopify tokens: ${line}`),
    });
    perClient.set(client, tokens);
  }
  return tokens;
}

/** The shop's offline token for AdminClient: renewed shortly before it expires and once after a 401. */
export function offlineTokenSource(tokens: OfflineTokens, shop: string): AccessTokenSource {
  return { current: () => tokens.accessToken(shop), rejected: (token) => tokens.rejected(shop, token) };
}
