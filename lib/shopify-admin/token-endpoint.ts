// Shopify's token endpoint for offline tokens, through @shopify/shopify-api's own helpers
// (auth.refreshToken, auth.migrateToExpiringToken), so the request is exactly the library's.
// The web-api adapter is the one @shopify/shopify-app-remix installs: importing it here gives the worker
// a fetch, and leaves the app's request conversion alone (the node adapter would replace it and break
// authenticate.webhook).
import "@shopify/shopify-api/adapters/web-api";
import { HttpResponseError, LogSeverity, shopifyApi, type ApiVersion, type Session } from "@shopify/shopify-api";
import { installLocalStoreFetch } from "./local-store-fetch";
import { SHOPIFY_API_VERSION } from "./version";

/** A new offline token pair as Shopify issued it. */
export interface OfflineGrant {
  accessToken: string;
  scope: string | null;
  expires: Date | null;
  refreshToken: string | null;
  refreshTokenExpires: Date | null;
}

/** Shopify refused the grant (400/401: unknown, used, expired or revoked token); asking again will not help. */
export class GrantRefusedError extends Error {
  override name = "GrantRefusedError";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface TokenEndpoint {
  /** The refresh grant: a new access token and a new refresh token (the old refresh token is spent). */
  refresh(shop: string, refreshToken: string): Promise<OfflineGrant>;
  /** Exchanges a non-expiring offline token for an expiring pair ("Migrate to expiring offline access tokens"). */
  migrate(shop: string, nonExpiringToken: string): Promise<OfflineGrant>;
}

function grantOf(session: Session): OfflineGrant {
  if (!session.accessToken)
    throw new Error(`Shopify's token endpoint answered without an access token for ${session.shop}.`);
  return {
    accessToken: session.accessToken,
    scope: session.scope ?? null,
    expires: session.expires ?? null,
    refreshToken: session.refreshToken ?? null,
    refreshTokenExpires: session.refreshTokenExpires ?? null,
  };
}

async function refusalsAsErrors(what: string, call: () => Promise<{ session: Session }>): Promise<OfflineGrant> {
  try {
    return grantOf((await call()).session);
  } catch (error) {
    // 4xx from the token endpoint is final (invalid_grant, invalid_subject_token, invalid_client);
    // 5xx, 429 and network errors are passing, and left to the caller's retries.
    if (
      error instanceof HttpResponseError &&
      error.response.code >= 400 &&
      error.response.code < 500 &&
      error.response.code !== 429
    ) {
      const body = error.response.body as { error?: string; error_description?: string } | undefined;
      throw new GrantRefusedError(
        `${what} refused: HTTP ${error.response.code} ${body?.error ?? ""} ${body?.error_description ?? ""}`.trim(),
        error.response.code,
      );
    }
    throw error;
  }
}

/** The token endpoint for the app's credentials (with SHOPIFY_LOCAL_STORE_URL set, the local store's). */
export function shopifyTokenEndpoint(credentials: {
  apiKey: string;
  apiSecret: string;
  appUrl: string;
  scopes: string[];
}): TokenEndpoint {
  installLocalStoreFetch();
  const api = shopifyApi({
    apiKey: credentials.apiKey,
    apiSecretKey: credentials.apiSecret,
    hostName: new URL(credentials.appUrl).host,
    hostScheme: new URL(credentials.appUrl).protocol === "http:" ? "http" : "https",
    apiVersion: SHOPIFY_API_VERSION as ApiVersion,
    scopes: credentials.scopes,
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Warning },
  });
  return {
    refresh: (shop, refreshToken) =>
      refusalsAsErrors("The refresh grant", () => api.auth.refreshToken({ shop, refreshToken })),
    migrate: (shop, nonExpiringToken) =>
      refusalsAsErrors("The migration to an expiring token", () =>
        api.auth.migrateToExpiringToken({ shop, nonExpiringOfflineAccessToken: nonExpiringToken }),
      ),
  };
}
