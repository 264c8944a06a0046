import crypto from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import { findShop, type StoreState, type TokenRecord } from "./state";
import { shopHandle } from "../lib/shop-domain";

export interface AppCredentials {
  apiKey: string;
  apiSecret: string;
  /** Scopes granted to every token (the app's requested scopes). */
  scopes: string[];
  /**
   * The app's optional scopes (shopify.app.toml). The local store grants them with the install, as
   * a merchant who accepts them, so shopify-app-remix's `scopes.request` finds them granted.
   */
  optionalScopes?: string[];
  /** Where OAuth may redirect back to (the app URL); null accepts any redirect_uri. */
  appUrl: string | null;
}

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
const OFFLINE = "urn:shopify:params:oauth:token-type:offline-access-token";
const ONLINE = "urn:shopify:params:oauth:token-type:online-access-token";
const ONLINE_TTL_S = 86_399;
const REFRESH_TTL_S = 90 * 24 * 3600;
/** Shopify answers a retried migration exchange with the same pair for seven days. */
const MIGRATION_RETRY_MS = 7 * 24 * 3600 * 1000;

/** How the stand-in treats offline tokens; tests change it through DevStoreControl. */
export interface TokenPolicy {
  /** Lifetime of an expiring offline access token (Shopify: one hour). */
  expiringTtlSeconds: number;
  /** "refused" rehearses 2027-01-01: Admin API calls and migrations with non-expiring offline tokens are refused. */
  nonExpiring: "accepted" | "refused";
  /** Refresh grants per shop: served, and refused (unknown, used or expired refresh token). */
  refreshes: Map<string, { refreshed: number; refused: number }>;
  /** Migration exchanges by their non-expiring subject token: a retry gets the same pair back. */
  migrations: Map<string, { shop: string; accessToken: string; refreshToken: string; at: number }>;
}

export function defaultTokenPolicy(): TokenPolicy {
  return { expiringTtlSeconds: 3600, nonExpiring: "accepted", refreshes: new Map(), migrations: new Map() };
}

export interface SessionTokenOptions {
  /** The staff member's id (the `sub` claim). */
  userId?: number;
  /** Seconds until `exp`; App Bridge's tokens last a minute. */
  ttlSeconds?: number;
  /** Seconds to shift iat/nbf/exp by (negative: an already expired token). */
  clockSkewSeconds?: number;
}

/** A session token (id token) exactly as App Bridge would send it for `shop`, signed HS256 with the app secret. */
export async function mintSessionToken(
  app: AppCredentials,
  shop: string,
  options: SessionTokenOptions = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000) + (options.clockSkewSeconds ?? 0);
  return new SignJWT({ dest: `https://${shop}`, sid: crypto.randomBytes(16).toString("hex") })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(`https://${shop}/admin`)
    .setAudience(app.apiKey)
    .setSubject(String(options.userId ?? 1001))
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + (options.ttlSeconds ?? 60))
    .setJti(crypto.randomUUID())
    .sign(new TextEncoder().encode(app.apiSecret));
}

export interface OAuthResult {
  status: number;
  body: Record<string, unknown>;
}

const oauthError = (status: number, error: string, description: string): OAuthResult => ({
  status,
  body: { error, error_description: description },
});

function staffUser(shop: string, id: number) {
  return {
    id,
    first_name: "Demo",
    last_name: "Merchant",
    email: `merchant@${shop}`,
    account_owner: true,
    locale: "en",
    collaborator: false,
    email_verified: true,
  };
}

/** Authorization codes from the OAuth redirect; single use, short lived, kept in memory. */
const codes = new Map<string, { shop: string; online: boolean; expires: number }>();

function issue(
  state: StoreState,
  app: AppCredentials,
  policy: TokenPolicy,
  shop: string,
  kind: { online: boolean; userId?: number; expiring?: boolean },
): OAuthResult {
  const shopRecord = findShop(state, shop);
  if (shopRecord) shopRecord.installed = true;
  const scope = grantedScope(app);
  const prefix = kind.online ? "shpua_" : "shpat_";
  const token: TokenRecord = {
    token: prefix + crypto.randomBytes(16).toString("hex"),
    shop,
    scope,
    online: kind.online,
    userId: kind.online ? (kind.userId ?? 1001) : null,
    expiresAt: kind.online
      ? new Date(Date.now() + ONLINE_TTL_S * 1000).toISOString()
      : kind.expiring
        ? new Date(Date.now() + policy.expiringTtlSeconds * 1000).toISOString()
        : null,
  };
  state.tokens.push(token);
  if (kind.online) {
    return {
      status: 200,
      body: {
        access_token: token.token,
        scope,
        expires_in: ONLINE_TTL_S,
        associated_user_scope: scope,
        session: crypto.randomBytes(8).toString("hex"),
        associated_user: staffUser(shop, token.userId!),
      },
    };
  }
  if (!kind.expiring) return { status: 200, body: { access_token: token.token, scope } };
  const refresh = "shprt_" + crypto.randomBytes(16).toString("hex");
  state.refreshTokens.push({
    token: refresh,
    shop,
    expiresAt: new Date(Date.now() + REFRESH_TTL_S * 1000).toISOString(),
  });
  return {
    status: 200,
    body: {
      access_token: token.token,
      scope,
      expires_in: policy.expiringTtlSeconds,
      refresh_token: refresh,
      refresh_token_expires_in: REFRESH_TTL_S,
    },
  };
}

function countRefresh(policy: TokenPolicy, shop: string, outcome: "refreshed" | "refused"): void {
  const counts = policy.refreshes.get(shop) ?? { refreshed: 0, refused: 0 };
  counts[outcome] += 1;
  policy.refreshes.set(shop, counts);
}

/**
 * Token exchange of a non-expiring offline token for an expiring one ("Migrate to expiring offline
 * access tokens"): the old token stops working; a retry with it within seven days returns the same
 * pair while that pair has not been refreshed or replaced.
 */
function migrate(
  state: StoreState,
  app: AppCredentials,
  policy: TokenPolicy,
  shop: string,
  subject: string,
): OAuthResult {
  const previous = policy.migrations.get(subject);
  if (previous && previous.shop === shop && Date.now() - previous.at < MIGRATION_RETRY_MS) {
    const access = state.tokens.find((t) => t.token === previous.accessToken);
    const refresh = state.refreshTokens.find((r) => r.token === previous.refreshToken);
    if (access && refresh) {
      access.expiresAt = new Date(
        Math.max(Date.parse(access.expiresAt!), Date.now() + policy.expiringTtlSeconds * 1000),
      ).toISOString();
      const expiresIn = Math.round((Date.parse(access.expiresAt) - Date.now()) / 1000);
      const refreshIn = Math.round((Date.parse(refresh.expiresAt) - Date.now()) / 1000);
      return {
        status: 200,
        body: {
          access_token: access.token,
          scope: access.scope,
          expires_in: expiresIn,
          refresh_token: refresh.token,
          refresh_token_expires_in: refreshIn,
        },
      };
    }
  }
  const i = state.tokens.findIndex((t) => t.token === subject && t.shop === shop && !t.online && t.expiresAt === null);
  if (i < 0)
    return oauthError(
      400,
      "invalid_subject_token",
      "The subject token is not a valid non-expiring offline access token for this shop.",
    );
  if (policy.nonExpiring === "refused")
    return oauthError(
      400,
      "invalid_subject_token",
      "Non-expiring offline access tokens are no longer accepted; the merchant must open the app again.",
    );
  state.tokens.splice(i, 1);
  const result = issue(state, app, policy, shop, { online: false, expiring: true });
  policy.migrations.set(subject, {
    shop,
    accessToken: String(result.body.access_token),
    refreshToken: String(result.body.refresh_token),
    at: Date.now(),
  });
  return result;
}

/**
 * POST https://{shop}/admin/oauth/access_token: token exchange (session token → access token),
 * the OAuth authorization-code grant, and refresh of expiring offline tokens.
 */
export async function accessTokenEndpoint(
  state: StoreState,
  app: AppCredentials,
  policy: TokenPolicy,
  shop: string,
  body: Record<string, unknown>,
): Promise<OAuthResult> {
  if (!findShop(state, shop)) return oauthError(404, "shop_not_found", `No shop ${shop} in the local store.`);
  if (body.client_id !== app.apiKey || body.client_secret !== app.apiSecret) {
    return oauthError(401, "invalid_client", "Client authentication failed: unknown client_id or wrong client_secret.");
  }
  const expiring = body.expiring === "1" || body.expiring === 1 || body.expiring === true;
  if (body.grant_type === TOKEN_EXCHANGE) {
    if (body.subject_token_type === OFFLINE && body.requested_token_type === OFFLINE && expiring)
      return migrate(state, app, policy, shop, String(body.subject_token ?? ""));
    if (body.subject_token_type !== ID_TOKEN)
      return oauthError(400, "invalid_request", `subject_token_type must be ${ID_TOKEN}.`);
    let payload: { dest?: unknown; sub?: unknown };
    try {
      ({ payload } = await jwtVerify(String(body.subject_token ?? ""), new TextEncoder().encode(app.apiSecret), {
        algorithms: ["HS256"],
        audience: app.apiKey,
        clockTolerance: 10,
      }));
    } catch (err) {
      return oauthError(400, "invalid_subject_token", `The session token is not valid: ${(err as Error).message}`);
    }
    if (payload.dest !== `https://${shop}`)
      return oauthError(
        400,
        "invalid_subject_token",
        `The session token was issued for ${String(payload.dest)}, not https://${shop}.`,
      );
    if (body.requested_token_type === OFFLINE) return issue(state, app, policy, shop, { online: false, expiring });
    if (body.requested_token_type === ONLINE)
      return issue(state, app, policy, shop, { online: true, userId: Number(payload.sub) || 1001 });
    return oauthError(400, "invalid_request", `requested_token_type must be ${OFFLINE} or ${ONLINE}.`);
  }
  if (body.grant_type === "refresh_token") {
    const i = state.refreshTokens.findIndex((r) => r.token === body.refresh_token && r.shop === shop);
    if (i < 0 || Date.parse(state.refreshTokens[i]!.expiresAt) < Date.now()) {
      countRefresh(policy, shop, "refused");
      return oauthError(400, "invalid_grant", "Unknown, used or expired refresh token.");
    }
    // Rotation: the refresh token is single use; its replacement comes with the new access token.
    state.refreshTokens.splice(i, 1);
    countRefresh(policy, shop, "refreshed");
    return issue(state, app, policy, shop, { online: false, expiring: true });
  }
  if (typeof body.code === "string") {
    const code = codes.get(body.code);
    codes.delete(body.code);
    if (!code || code.shop !== shop || code.expires < Date.now())
      return oauthError(400, "invalid_request", "The authorization code was not found or was already used.");
    return issue(state, app, policy, shop, { online: code.online, expiring });
  }
  return oauthError(
    400,
    "unsupported_grant_type",
    `grant_type ${String(body.grant_type)} is not supported by the local store.`,
  );
}

/** Shopify's OAuth query signature: hex HMAC-SHA256 of the sorted `key=value` pairs without hmac/signature. */
export function oauthQueryHmac(params: URLSearchParams, secret: string): string {
  const message = [...params.entries()]
    .filter(([k]) => k !== "hmac" && k !== "signature")
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  return crypto.createHmac("sha256", secret).update(message).digest("hex");
}

/**
 * GET https://{shop}/admin/oauth/authorize: the merchant "approves" at once and is sent back to
 * the app's redirect_uri with a signed code, as Shopify does after the consent screen.
 */
export function authorizeRedirect(
  state: StoreState,
  app: AppCredentials,
  shop: string,
  query: URLSearchParams,
): { status: number; location?: string; message?: string } {
  if (!findShop(state, shop)) return { status: 404, message: `No shop ${shop} in the local store.` };
  if (query.get("client_id") !== app.apiKey) return { status: 400, message: "Unknown client_id." };
  const redirectUri = query.get("redirect_uri") ?? "";
  let target: URL;
  try {
    target = new URL(redirectUri);
  } catch {
    return { status: 400, message: "redirect_uri is missing or not a URL." };
  }
  if (app.appUrl && target.origin !== new URL(app.appUrl).origin)
    return { status: 400, message: `redirect_uri must be on the app URL ${app.appUrl}.` };
  const code = crypto.randomBytes(16).toString("hex");
  codes.set(code, { shop, online: query.getAll("grant_options[]").includes("per-user"), expires: Date.now() + 60_000 });
  const params = new URLSearchParams({
    code,
    host: Buffer.from(`admin.shopify.com/store/${shopHandle(shop)}`)
      .toString("base64")
      .replace(/=+$/, ""),
    shop,
    state: query.get("state") ?? "",
    timestamp: String(Math.floor(Date.now() / 1000)),
  });
  params.set("hmac", oauthQueryHmac(params, app.apiSecret));
  for (const [k, v] of params) target.searchParams.set(k, v);
  return { status: 302, location: target.toString() };
}

/** The shop an Admin API access token belongs to, or null (unknown, revoked, expired, or non-expiring once refused). */
/** The scope string of every token the local store issues: required and optional scopes. */
export function grantedScope(app: Pick<AppCredentials, "scopes" | "optionalScopes">): string {
  return [...new Set([...app.scopes, ...(app.optionalScopes ?? [])])].join(",");
}

export function tokenOwner(state: StoreState, policy: TokenPolicy, token: string | null): TokenRecord | null {
  if (!token) return null;
  const record = state.tokens.find((t) => t.token === token);
  if (!record) return null;
  if (record.expiresAt && Date.parse(record.expiresAt) < Date.now()) return null;
  if (!record.online && record.expiresAt === null && policy.nonExpiring === "refused") return null;
  return record;
}

/** app/uninstalled: every token of the shop stops working. */
export function revokeShopTokens(state: StoreState, shop: string): void {
  state.tokens = state.tokens.filter((t) => t.shop !== shop);
  state.refreshTokens = state.refreshTokens.filter((t) => t.shop !== shop);
}
