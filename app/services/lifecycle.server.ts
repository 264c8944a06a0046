// app/uninstalled and the mandatory compliance webhooks. SceneBooth stores no customer data: the
// two customer topics are answered and logged; shop/redact and app/uninstalled delete everything of
// the shop (lib/lifecycle). Deletion is idempotent, so redeliveries need no event ledger.
// app/uninstalled queues its deletion (a large shop's blobs take longer than Shopify waits) and is
// ignored when the shop installed the app again after it happened (a late retry).
import { db } from "../../lib/db";
import {
  deleteShopData,
  deletionSummary,
  markUninstalled,
  recordInstall,
  triggeredAtOf,
  uninstallIsStale,
  type DeletionReport,
} from "../../lib/lifecycle";
import { queueShopCleanup } from "../../lib/webhooks/jobs";
import { appProducers } from "./queues.server";
import { blobStore } from "../../lib/storage";
import { log } from "../../lib/log";

export const COMPLIANCE_TOPICS = ["customers/data_request", "customers/redact", "shop/redact"] as const;
export type ComplianceTopic = (typeof COMPLIANCE_TOPICS)[number];

/** Topic as authenticate.webhook reports it (CUSTOMERS_DATA_REQUEST) or as sent (customers/data_request). */
export function complianceTopic(topic: unknown): ComplianceTopic | null {
  const normalized = String(topic).toLowerCase().replace(/_/, "/");
  return (COMPLIANCE_TOPICS as readonly string[]).includes(normalized) ? (normalized as ComplianceTopic) : null;
}

export async function deleteShop(shop: string, reason: string): Promise<DeletionReport> {
  const report = await deleteShopData({ client: db(), store: blobStore(), producers: appProducers() }, shop);
  log.info(`${reason}: ${deletionSummary(shop, report)}`);
  return report;
}

export type UninstallOutcome = "queued" | "stale";

/** app/uninstalled: queues the deletion, unless the shop installed the app again after `triggeredAt`. */
export async function handleUninstalled(
  shop: string,
  triggeredAtHeader: string | undefined,
): Promise<UninstallOutcome> {
  const client = db();
  const triggeredAt = triggeredAtOf(triggeredAtHeader);
  if (await uninstallIsStale(client, shop, triggeredAt)) {
    log.info(
      `app/uninstalled for ${shop} (triggered ${triggeredAt.toISOString()}) predates the current install: nothing deleted`,
    );
    return "stale";
  }
  await markUninstalled(client, shop, triggeredAt);
  await queueShopCleanup(appProducers(), { shop, triggeredAt: triggeredAt.toISOString() });
  return "queued";
}

/** shopify-app-remix's afterAuth: a new offline token; a new install starts here. */
export async function handleAfterAuth(shop: string): Promise<void> {
  await recordInstall(db(), shop);
}

export async function handleCompliance(
  topic: ComplianceTopic,
  shop: string,
  payload: Record<string, unknown>,
): Promise<void> {
  if (topic === "shop/redact") {
    await deleteShop(shop, "shop/redact");
    return;
  }
  // Only ids are logged: the request itself carries a customer's e-mail and phone.
  const customerId = (payload.customer as { id?: unknown } | undefined)?.id ?? "unknown";
  const request =
    topic === "customers/data_request"
      ? ` (data request ${String((payload.data_request as { id?: unknown } | undefined)?.id ?? "unknown")})`
      : "";
  log.info(
    `${topic} for ${shop}, customer ${String(customerId)}${request}: SceneBooth stores no customer data; nothing to ${topic === "customers/redact" ? "redact" : "report"}.`,
  );
}
