import type { AdminClient } from "./client";
import { AdminApiError, assertNoUserErrors } from "./errors";
import { BulkOperationRunQueryDocument, BulkOperationStatusDocument, type BulkOperationStatusQuery } from "./generated";

/** Every product with its image media, for a whole-shop sync (validated in operations.test.ts). */
export const BULK_PRODUCTS_QUERY = `{
  products {
    edges {
      node {
        id
        title
        handle
        productType
        status
        media {
          edges {
            node {
              id
              status
              ... on MediaImage { image { url width height } }
            }
          }
        }
      }
    }
  }
}`;

export type BulkOperation = NonNullable<BulkOperationStatusQuery["bulkOperation"]>;

/** Starts a bulk query and polls it by id until it ends; returns the finished operation (url = JSONL). */
export async function runBulkQuery(client: AdminClient, query: string, options: { pollIntervalMs?: number; timeoutMs?: number } = {}): Promise<BulkOperation> {
  const started = await client.request(BulkOperationRunQueryDocument, { query });
  assertNoUserErrors("bulkOperationRunQuery", started.bulkOperationRunQuery?.userErrors);
  const id = started.bulkOperationRunQuery?.bulkOperation?.id;
  if (!id) throw new AdminApiError("bulkOperationRunQuery returned no bulk operation", { kind: "graphql", operation: "BulkOperationRunQuery", attempts: 1 });
  const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
  for (;;) {
    const { bulkOperation: op } = await client.request(BulkOperationStatusDocument, { id });
    if (!op) throw new AdminApiError(`Bulk operation ${id} is not known to Shopify.`, { kind: "graphql", operation: "BulkOperationStatus", attempts: 1 });
    if (!["CREATED", "RUNNING", "CANCELING"].includes(op.status)) {
      if (op.status !== "COMPLETED") throw new AdminApiError(`Bulk operation ${op.id} ended ${op.status} (${op.errorCode ?? "no error code"})`, { kind: "graphql", operation: "BulkOperationStatus", attempts: 1 });
      return op;
    }
    if (Date.now() > deadline) throw new AdminApiError(`Bulk operation ${id} did not finish in time.`, { kind: "timeout", operation: "BulkOperationStatus", attempts: 1 });
    await new Promise((r) => setTimeout(r, options.pollIntervalMs ?? 2000));
  }
}
