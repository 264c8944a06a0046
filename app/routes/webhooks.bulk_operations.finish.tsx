import { db } from "../../lib/db";
import { bulkOperationIdOf, recordBulkFinish } from "../../lib/webhooks/bulk-finish";
import { webhookAction } from "../services/webhook-action.server";

// bulk_operations/finish (shopify.app.toml): recorded for the request waiting on that bulk read
// (app/services/catalog.server.ts), which then asks Shopify once for the result.
export const action = webhookAction(async ({ shop, payload }) => {
  const operationId = bulkOperationIdOf(payload);
  if (!operationId) return new Response("bulk_operations/finish without admin_graphql_api_id", { status: 400 });
  await recordBulkFinish(db(), shop, operationId);
});
