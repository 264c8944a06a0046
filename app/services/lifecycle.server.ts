// app/uninstalled and the mandatory compliance webhooks. SceneBooth stores no customer data: the
// two customer topics are answered and logged; shop/redact and app/uninstalled delete everything of
// the shop (lib/lifecycle). Deletion is idempotent, so redeliveries need no event ledger.
import { db } from "../../lib/db";
import { deleteShopData, type DeletionReport } from "../../lib/lifecycle";
import { appProducers } from "./queues.server";
import { blobStore } from "../../lib/storage";

export const COMPLIANCE_TOPICS = ["customers/data_request", "customers/redact", "shop/redact"] as const;
export type ComplianceTopic = (typeof COMPLIANCE_TOPICS)[number];

/** Topic as authenticate.webhook reports it (CUSTOMERS_DATA_REQUEST) or as sent (customers/data_request). */
export function complianceTopic(topic: unknown): ComplianceTopic | null {
  const normalized = String(topic).toLowerCase().replace(/_/, "/");
  return (COMPLIANCE_TOPICS as readonly string[]).includes(normalized) ? (normalized as ComplianceTopic) : null;
}

export async function deleteShop(shop: string, reason: string): Promise<DeletionReport> {
  const report = await deleteShopData({ client: db(), store: blobStore(), producers: appProducers() }, shop);
  const d = report.deleted;
  console.log(
    `${reason}: deleted ${shop}'s data: ${d.sessions} sessions, ${d.subjects} products, ${d.generations} requests, ${d.candidates} candidates, ` +
      `${d.blobs} blobs, ${report.jobsRemoved} queued jobs (${report.jobsKept} running, told to stop)`,
  );
  return report;
}

export async function handleCompliance(topic: ComplianceTopic, shop: string, payload: Record<string, unknown>): Promise<void> {
  if (topic === "shop/redact") {
    await deleteShop(shop, "shop/redact");
    return;
  }
  // Only ids are logged: the request itself carries a customer's e-mail and phone.
  const customerId = (payload.customer as { id?: unknown } | undefined)?.id ?? "unknown";
  const request = topic === "customers/data_request" ? ` (data request ${String((payload.data_request as { id?: unknown } | undefined)?.id ?? "unknown")})` : "";
  console.log(`${topic} for ${shop}, customer ${String(customerId)}${request}: SceneBooth stores no customer data; nothing to ${topic === "customers/redact" ? "redact" : "report"}.`);
}
