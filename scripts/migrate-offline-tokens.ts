// `npm run tokens:migrate`: moves every shop still on a non-expiring offline token to an expiring
// one (lib/shopify-admin/migrate-offline-tokens.ts). Run it once per deploy until 2027-01-01, with
// the app's environment; it exits 1 when a shop could not be migrated for a reason other than a
// token Shopify no longer accepts.
import { config } from "../lib/config";
import { db, disconnectDb } from "../lib/db";
import { exitOnStartupError } from "../lib/preflight";
import { closeProducers } from "../lib/queue/producer";
import { migrateOfflineTokens } from "../lib/shopify-admin/migrate-offline-tokens";
import { offlineTokens } from "../lib/shopify-admin/shop-admin";
import { installLocalStoreFetch } from "../lib/shopify-admin/local-store-fetch";

async function main(): Promise<number> {
  config();
  installLocalStoreFetch();
  const report = await migrateOfflineTokens(db(), offlineTokens(db()));
  console.log(
    `tokens:migrate: ${report.migrated.length} migrated, ${report.reconnect.length} must reconnect (open the app), ${report.failed.length} failed`,
  );
  for (const shop of report.reconnect) console.log(`  reconnect: ${shop}`);
  for (const { shop, error } of report.failed) console.log(`  failed: ${shop}: ${error}`);
  await closeProducers();
  await disconnectDb();
  return report.failed.length > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), exitOnStartupError("scenebooth tokens:migrate"));
