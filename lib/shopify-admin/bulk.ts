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

export const BULK_RUNNING = ["CREATED", "RUNNING", "CANCELING"];

/** Shopify asks apps to use bulk_operations/finish; this slow poll only covers a late or lost webhook. */
export const BULK_FALLBACK_POLL_MS = 10_000;

export interface BulkWaitOptions {
  /** True once bulk_operations/finish for the operation has arrived (a database read, no Admin API call). */
  finished?: (operationId: string) => Promise<boolean>;
  /** How often `finished` is checked. */
  signalCheckMs?: number;
  /** How often Shopify is asked directly (the fallback). */
  pollMs?: number;
  /** Give up waiting at this time (epoch ms). */
  deadline: number;
}

/**
 * Waits for a bulk operation to end, driven by bulk_operations/finish: `read` (one Admin API call)
 * runs when the webhook has arrived, and otherwise only every `pollMs`. Null at the deadline.
 */
export async function waitForBulkOperation<Op extends { id: string; status: string }>(
  read: () => Promise<Op | null>,
  id: string,
  options: BulkWaitOptions,
): Promise<Op | null> {
  const { finished, signalCheckMs = 250, pollMs = BULK_FALLBACK_POLL_MS, deadline } = options;
  let nextPoll = Date.now() + pollMs;
  let signalSeen = false;
  for (;;) {
    // After the webhook, Shopify is asked once; should it still say running, the slow poll goes on.
    const signalled: boolean = finished && !signalSeen ? await finished(id) : false;
    signalSeen ||= signalled;
    if (signalled || Date.now() >= nextPoll) {
      const op = await read();
      if (op && op.id === id && !BULK_RUNNING.includes(op.status)) return op;
      nextPoll = Date.now() + pollMs;
    }
    if (Date.now() >= deadline) return null;
    const wait = Math.min(
      finished && !signalSeen ? signalCheckMs : pollMs,
      Math.max(0, nextPoll - Date.now()),
      deadline - Date.now(),
    );
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** Starts a bulk query and waits for it to end (bulk_operations/finish, or the slow poll); returns the finished operation (url = JSONL). */
export async function runBulkQuery(
  client: AdminClient,
  query: string,
  options: { pollIntervalMs?: number; timeoutMs?: number; finished?: BulkWaitOptions["finished"] } = {},
): Promise<BulkOperation> {
  const started = await client.request(BulkOperationRunQueryDocument, { query });
  assertNoUserErrors("bulkOperationRunQuery", started.bulkOperationRunQuery?.userErrors);
  const id = started.bulkOperationRunQuery?.bulkOperation?.id;
  if (!id)
    throw new AdminApiError("bulkOperationRunQuery returned no bulk operation", {
      kind: "graphql",
      operation: "BulkOperationRunQuery",
      attempts: 1,
    });
  const read = async () => {
    const { bulkOperation: op } = await client.request(BulkOperationStatusDocument, { id });
    if (!op)
      throw new AdminApiError(`Bulk operation ${id} is not known to Shopify.`, {
        kind: "graphql",
        operation: "BulkOperationStatus",
        attempts: 1,
      });
    return op;
  };
  const op = await waitForBulkOperation(read, id, {
    finished: options.finished,
    pollMs: options.pollIntervalMs,
    deadline: Date.now() + (options.timeoutMs ?? 30 * 60_000),
  });
  if (!op)
    throw new AdminApiError(`Bulk operation ${id} did not finish in time.`, {
      kind: "timeout",
      operation: "BulkOperationStatus",
      attempts: 1,
    });
  if (op.status !== "COMPLETED")
    throw new AdminApiError(`Bulk operation ${op.id} ended ${op.status} (${op.errorCode ?? "no error code"})`, {
      kind: "graphql",
      operation: "BulkOperationStatus",
      attempts: 1,
    });
  return op;
}
