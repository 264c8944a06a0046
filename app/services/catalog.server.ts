// The whole catalog in one Shopify bulk operation (JSONL), instead of thousands of paged queries:
// for "all products" and the first-run backfill. The read is resumable: a bulk query of ours that
// is still running is waited for, and one that finished a moment ago is reused. The wait ends on
// Shopify's bulk_operations/finish webhook; asking Shopify directly is only a slow fallback.
import { db } from "../../lib/db";
import { AdminApiError } from "../../lib/shopify-admin/errors";
import {
  BULK_FALLBACK_POLL_MS,
  BULK_PRODUCTS_QUERY,
  BULK_RUNNING,
  waitForBulkOperation,
  type BulkWaitOptions,
} from "../../lib/shopify-admin/bulk";
import { bulkFinishArrived } from "../../lib/webhooks/bulk-finish";
import type { AdminClient } from "../../lib/shopify-admin/client";
import {
  BulkOperationRunQueryDocument,
  CatalogBulkOperationDocument,
  type CatalogBulkOperationQuery,
} from "../../lib/shopify-admin/generated";
import { ApiError } from "./api.server";

export interface CatalogProduct {
  id: string;
  title: string;
  productType: string;
  status: string;
  /** Image media Shopify has finished processing. */
  readyPhotos: number;
}

export type CatalogRead =
  { status: "ready"; operationId: string; products: CatalogProduct[] } | { status: "running"; operationId: string };

type Operation = CatalogBulkOperationQuery["bulkOperations"]["nodes"][number];

const normalize = (query: string) => query.replace(/\s+/g, " ").trim();
const ours = (op: Operation) => normalize(op.query) === normalize(BULK_PRODUCTS_QUERY);

export interface CatalogOptions {
  /** How long to wait for the operation within one request before answering "running". */
  waitMs?: number;
  /** The fallback: how often Shopify is asked whether the operation ended when no webhook came. */
  pollMs?: number;
  /** Whether bulk_operations/finish arrived for the operation (default: the shop's event ledger). */
  finished?: BulkWaitOptions["finished"];
  /** A finished read younger than this is reused. */
  reuseMs?: number;
}

async function current(admin: AdminClient): Promise<Operation | null> {
  return (await admin.request(CatalogBulkOperationDocument, {})).bulkOperations.nodes[0] ?? null;
}

async function start(admin: AdminClient): Promise<string> {
  const { bulkOperationRunQuery: started } = await admin.request(BulkOperationRunQueryDocument, {
    query: BULK_PRODUCTS_QUERY,
  });
  const error = started?.userErrors[0];
  if (error) {
    if (error.code === "OPERATION_IN_PROGRESS" || error.code === "LIMIT_REACHED")
      throw new ApiError(
        409,
        "Shopify is still busy with another bulk read for SceneBooth. Try again in a minute.",
        "bulk_busy",
      );
    throw new AdminApiError(`bulkOperationRunQuery: ${error.message}`, {
      kind: "graphql",
      operation: "BulkOperationRunQuery",
      attempts: 1,
    });
  }
  return started!.bulkOperation!.id;
}

/** Reads the bulk operation's JSONL: product lines, then media lines pointing at them with __parentId. */
export async function parseCatalogJsonl(lines: AsyncIterable<string> | Iterable<string>): Promise<CatalogProduct[]> {
  const products = new Map<string, CatalogProduct>();
  for await (const line of lines) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as {
      id?: string;
      __parentId?: string;
      title?: string;
      productType?: string;
      status?: string;
      image?: { url?: string } | null;
    };
    if (row.__parentId) {
      const product = products.get(row.__parentId);
      if (product && row.status === "READY" && row.image?.url) product.readyPhotos += 1;
    } else if (row.id) {
      products.set(row.id, {
        id: row.id,
        title: row.title ?? "",
        productType: row.productType ?? "",
        status: row.status ?? "ACTIVE",
        readyPhotos: 0,
      });
    }
  }
  return [...products.values()];
}

/** The lines of a streamed body (works with any WHATWG stream, including Remix's fetch polyfill). */
async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let rest = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const chunk = rest + decoder.decode(value, { stream: true });
    const parts = chunk.split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  rest += decoder.decode();
  if (rest) yield rest;
}

async function download(url: string): Promise<CatalogProduct[]> {
  const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!response.ok || !response.body) throw new Error(`Downloading the bulk result failed: HTTP ${response.status}`);
  return parseCatalogJsonl(lines(response.body));
}

export async function readCatalog(admin: AdminClient, options: CatalogOptions = {}): Promise<CatalogRead> {
  const { waitMs = 25_000, pollMs = BULK_FALLBACK_POLL_MS, reuseMs = 10 * 60_000 } = options;
  const finished = options.finished ?? ((operationId: string) => bulkFinishArrived(db(), admin.shop, operationId));
  let op = await current(admin);
  let id: string;
  if (op && ours(op) && BULK_RUNNING.includes(op.status)) id = op.id;
  else if (
    op &&
    ours(op) &&
    op.status === "COMPLETED" &&
    op.url &&
    op.completedAt &&
    Date.now() - Date.parse(op.completedAt) < reuseMs
  ) {
    return { status: "ready", operationId: op.id, products: await download(op.url) };
  } else id = await start(admin);

  op = await waitForBulkOperation(() => current(admin), id, { finished, pollMs, deadline: Date.now() + waitMs });
  if (!op) return { status: "running", operationId: id };
  if (op.status !== "COMPLETED")
    throw new Error(`Shopify's bulk read of the catalog ended ${op.status} (${op.errorCode ?? "no error code"}).`);
  // A shop without products completes with no result file.
  return { status: "ready", operationId: id, products: op.url ? await download(op.url) : [] };
}
