// The app's session storage: Shopify's PrismaSessionStorage, except that an offline session due for
// renewal (expiring within 5 minutes, or still non-expiring and so due for its migration) is renewed
// through lib/shopify-admin/offline-tokens before the library sees it. The library would otherwise
// refresh it itself (authenticate.webhook, unauthenticated.admin) without the per-shop lock the worker
// takes, and two refreshes of one rotating refresh token leave one side with a dead token.
import type { PrismaClient as SessionStoragePrismaClient } from "@prisma/client";
import type { Session } from "@shopify/shopify-app-remix/server";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { db } from "../../lib/db";
import { ReconnectRequiredError, type OfflineTokens } from "../../lib/shopify-admin/offline-tokens";
import { offlineTokens } from "../../lib/shopify-admin/shop-admin";
import { log } from "../../lib/log";

export class RenewingSessionStorage extends PrismaSessionStorage<SessionStoragePrismaClient> {
  constructor(
    prisma: SessionStoragePrismaClient,
    private readonly offline: () => OfflineTokens = () => offlineTokens(db()),
  ) {
    super(prisma);
  }

  override async loadSession(id: string): Promise<Session | undefined> {
    const session = await super.loadSession(id);
    if (!session || session.isOnline || !session.accessToken) return session;
    const tokens = this.offline();
    if (!tokens.needsRenewal(session)) return session;
    try {
      await tokens.accessToken(session.shop);
    } catch (error) {
      // Refused: the session lost its token, and authenticate.admin exchanges a new one. Anything
      // else (Shopify or Redis not answering) leaves the stored token in use for now.
      if (!(error instanceof ReconnectRequiredError))
        log.error({ err: error }, `session storage: renewing ${session.shop}'s offline token failed`);
    }
    const current = await super.loadSession(id);
    // Never hand the library a refresh token it would spend on its own.
    if (current && tokens.needsRenewal(current)) current.refreshToken = undefined;
    return current;
  }
}
