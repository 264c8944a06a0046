import type { PrismaClient } from "../db";
import { ReconnectRequiredError, type OfflineTokens } from "./offline-tokens";

export interface MigrationReport {
  migrated: string[];
  /** Shopify refused the old token: the merchant must open the app once. */
  reconnect: string[];
  failed: { shop: string; error: string }[];
}

/**
 * Moves every shop still on a non-expiring offline token to an expiring one (Shopify refuses
 * non-expiring tokens of public apps from 2027-01-01), including shops whose merchant never opens
 * the app and that run no job. Each shop goes through OfflineTokens, so under its refresh lock:
 * running this beside the app and the workers is safe, and running it again migrates nothing twice.
 */
export async function migrateOfflineTokens(client: PrismaClient, tokens: OfflineTokens): Promise<MigrationReport> {
  const sessions = await client.session.findMany({
    where: { isOnline: false, expires: null, NOT: { accessToken: "" } },
    select: { shop: true },
    orderBy: { shop: "asc" },
  });
  const report: MigrationReport = { migrated: [], reconnect: [], failed: [] };
  for (const { shop } of sessions) {
    try {
      await tokens.accessToken(shop);
      report.migrated.push(shop);
    } catch (error) {
      if (error instanceof ReconnectRequiredError) report.reconnect.push(shop);
      else report.failed.push({ shop, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return report;
}
