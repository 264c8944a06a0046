import "@shopify/shopify-app-remix/adapters/node";
import { ApiVersion, AppDistribution, LogSeverity, shopifyApp } from "@shopify/shopify-app-remix/server";
import { config } from "../lib/config";
import { log } from "../lib/log";
import { installLocalStoreFetch } from "../lib/shopify-admin/local-store-fetch";
import { SHOPIFY_API_VERSION } from "../lib/shopify-admin/version";
import prisma from "./db.server";
import { billingConfig } from "./services/billing.server";
import { handleAfterAuth } from "./services/lifecycle.server";
import { RenewingSessionStorage } from "./services/session-storage.server";

const cfg = config();
// Development and tests only: with SHOPIFY_LOCAL_STORE_URL set, Shopify traffic goes to the local
// store stand-in; the library's own auth code runs unchanged.
installLocalStoreFetch();

/** The Admin API version every query is written and validated against (one place: lib/shopify-admin/version.ts). */
export const apiVersion = SHOPIFY_API_VERSION as ApiVersion;

const shopify = shopifyApp({
  apiKey: cfg.shopify.apiKey,
  apiSecretKey: cfg.shopify.apiSecret,
  apiVersion,
  scopes: cfg.shopify.scopes,
  appUrl: cfg.shopify.appUrl,
  authPathPrefix: "/auth",
  sessionStorage: new RenewingSessionStorage(prisma),
  distribution: AppDistribution.AppStore,
  billing: billingConfig,
  // The library's own lines go to the app's log (JSON in production, secrets redacted).
  logger: {
    level: LogSeverity.Info,
    log: (severity, message) => {
      const level = (
        { [LogSeverity.Error]: "error", [LogSeverity.Warning]: "warn", [LogSeverity.Info]: "info" } as const
      )[severity as LogSeverity.Error | LogSeverity.Warning | LogSeverity.Info];
      log[level ?? "debug"]({ source: "shopify" }, message);
    },
  },
  // A new offline token: records the install time that app/uninstalled is compared with.
  hooks: { afterAuth: ({ session }) => handleAfterAuth(session.shop) },
  future: {
    unstable_newEmbeddedAuthStrategy: true,
    // Offline tokens that expire after an hour, with a refresh token (required for public apps from
    // 2027-01-01); the worker refreshes them through lib/shopify-admin/offline-tokens.
    expiringOfflineAccessTokens: true,
  },
});

export default shopify;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const registerWebhooks = shopify.registerWebhooks;
export const sessionStorage = shopify.sessionStorage;
