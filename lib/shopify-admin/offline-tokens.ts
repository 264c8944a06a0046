// The shop's offline access token for background work: refreshed shortly before it expires and once
// after a 401, migrated from a non-expiring token on first use, and stored with its refresh token in
// one update. Refresh tokens rotate, so only one refresh per shop runs at a time across every process
// (a Redis lock), and whoever gets the lock re-reads the session first: another process may already
// have refreshed it.
import type { Redis } from "ioredis";
import type { PrismaClient } from "../db";
import { withRedisLock } from "../queue/redis-lock";
import { GrantRefusedError, type OfflineGrant, type TokenEndpoint } from "./token-endpoint";

/** What the merchant reads when only opening the app can give SceneBooth access again. */
export const RECONNECT_MESSAGE = "Open SceneBooth to reconnect your store.";

/** Shopify refused the shop's tokens (revoked, refresh token expired or spent, not installed); retrying cannot help. */
export class ReconnectRequiredError extends Error {
  override name = "ReconnectRequiredError";
  readonly code = "reconnect_required";
  constructor(
    readonly shop: string,
    readonly reason: string,
  ) {
    super(RECONNECT_MESSAGE);
  }
}

/** The library's id for a shop's offline session (`offline_{shop}`). */
export const offlineSessionId = (shop: string) => `offline_${shop}`;

export interface OfflineTokensOptions {
  client: PrismaClient;
  redis: () => Promise<Redis>;
  /** Prefix of the lock keys (the queue prefix keeps test stacks apart). */
  keyPrefix: string;
  endpoint: TokenEndpoint;
  /** Refresh when less than this is left (default 5 minutes, as the Remix package does). */
  refreshWithinMs?: number;
  lockTtlMs?: number;
  lockWaitMs?: number;
  log?: (line: string) => void;
}

interface StoredSession {
  id: string;
  accessToken: string;
  expires: Date | null;
  refreshToken: string | null;
  refreshTokenExpires: Date | null;
}

export class OfflineTokens {
  private readonly refreshWithinMs: number;

  constructor(private readonly options: OfflineTokensOptions) {
    this.refreshWithinMs = options.refreshWithinMs ?? 5 * 60_000;
  }

  /** A token that works for at least a few more minutes: the stored one, or a refreshed or migrated one. */
  async accessToken(shop: string): Promise<string> {
    const session = await this.load(shop);
    if (!this.needsRenewal(session)) return session.accessToken;
    return this.renew(shop, session.accessToken, false);
  }

  /** Shopify answered 401 to `token`: a new token to retry with once, or ReconnectRequiredError. */
  async rejected(shop: string, token: string): Promise<string> {
    return this.renew(shop, token, true);
  }

  /** Due for renewal: an expiring token with less than `refreshWithinMs` left, or a non-expiring one (its migration). */
  needsRenewal(session: { expires?: Date | null }): boolean {
    if (!session.expires) return true;
    return session.expires.getTime() - Date.now() < this.refreshWithinMs;
  }

  private async load(shop: string): Promise<StoredSession> {
    const session = await this.options.client.session.findUnique({
      where: { id: offlineSessionId(shop) },
      select: { id: true, accessToken: true, expires: true, refreshToken: true, refreshTokenExpires: true },
    });
    if (!session?.accessToken)
      throw new ReconnectRequiredError(shop, session ? "the stored session was marked invalid" : "no offline session");
    return session;
  }

  private async renew(shop: string, seenToken: string, rejected: boolean): Promise<string> {
    const redis = await this.options.redis();
    const key = `${this.options.keyPrefix}:offline-token:${shop}`;
    return withRedisLock(
      redis,
      key,
      { ttlMs: this.options.lockTtlMs ?? 30_000, waitMs: this.options.lockWaitMs ?? 45_000 },
      async () => {
        const session = await this.load(shop);
        if (session.accessToken !== seenToken && !this.needsRenewal(session)) return session.accessToken;
        if (!rejected && !this.needsRenewal(session)) return session.accessToken;
        const grant = await this.grant(shop, session);
        // Conditional on the row we read, so a session the app stored meanwhile (the merchant opened
        // it) is not overwritten; our pair is valid too and serves this caller.
        await this.options.client.session.updateMany({
          where: { id: session.id, accessToken: session.accessToken },
          data: {
            accessToken: grant.accessToken,
            expires: grant.expires,
            refreshToken: grant.refreshToken,
            refreshTokenExpires: grant.refreshTokenExpires,
            ...(grant.scope ? { scope: grant.scope } : {}),
          },
        });
        this.options.log?.(
          `${shop}: offline token ${session.expires ? "refreshed" : "migrated to an expiring token"}${rejected ? " after a 401" : ""}`,
        );
        return grant.accessToken;
      },
    );
  }

  private async grant(shop: string, session: StoredSession): Promise<OfflineGrant> {
    const { endpoint } = this.options;
    try {
      if (session.refreshToken) {
        if (session.refreshTokenExpires && session.refreshTokenExpires.getTime() <= Date.now())
          throw new GrantRefusedError("the refresh token has expired", 400);
        return await endpoint.refresh(shop, session.refreshToken);
      }
      if (!session.expires) return await endpoint.migrate(shop, session.accessToken);
      throw new GrantRefusedError("the token expired and there is no refresh token", 400);
    } catch (error) {
      if (!(error instanceof GrantRefusedError)) throw error;
      await this.markInvalid(session);
      this.options.log?.(`${shop}: ${error.message}; the merchant must open the app to reconnect`);
      throw new ReconnectRequiredError(shop, error.message);
    }
  }

  /**
   * No token works any more: the stored session loses it (as the Remix package's own invalidation
   * does), so work stops at once instead of trying again, and the app's next page load exchanges a
   * new session token for a fresh session.
   */
  private async markInvalid(session: StoredSession): Promise<void> {
    await this.options.client.session.updateMany({
      where: { id: session.id, accessToken: session.accessToken },
      data: { accessToken: "", refreshToken: null, refreshTokenExpires: null },
    });
  }
}
