// bulk_operations/finish: recorded in the event ledger under the operation's id, where a request
// waiting for that bulk operation looks (a database read instead of polling Shopify).
import type { PrismaClient } from "../db";
import { claimEvent, eventExists } from "./events";

export const BULK_FINISH_TOPIC = "bulk_operations/finish";

const key = (operationId: string) => `bulk-finished:${operationId}`;

/** The operation id (gid://shopify/BulkOperation/…) from the webhook body; null when it has none. */
export function bulkOperationIdOf(payload: unknown): string | null {
  const id = (payload as { admin_graphql_api_id?: unknown } | null)?.admin_graphql_api_id;
  return typeof id === "string" && /^gid:\/\/shopify\/BulkOperation\/\d+$/.test(id) ? id : null;
}

/** Records the finish; false when it was recorded before (a redelivery). */
export function recordBulkFinish(client: PrismaClient, shop: string, operationId: string): Promise<boolean> {
  return claimEvent(client, { shop, eventId: key(operationId), topic: BULK_FINISH_TOPIC });
}

export function bulkFinishArrived(client: PrismaClient, shop: string, operationId: string): Promise<boolean> {
  return eventExists(client, { shop, eventId: key(operationId) });
}
