// products/delete: the merchant deleted a product in Shopify. Its open requests stop and everything
// SceneBooth kept about it goes (lib/lifecycle/product-data). Deleting is idempotent, so a
// redelivery needs no event ledger.
import { db } from "../../lib/db";
import { deleteProductData, type ProductDeletionReport } from "../../lib/lifecycle";
import { blobStore } from "../../lib/storage";
import { appProducers } from "./queues.server";
import { log } from "../../lib/log";

/** The product's GID from the webhook body ({ id: 123 }), or null for a body without a numeric id. */
export function deletedProductId(payload: Record<string, unknown>): string | null {
  const id = payload.id;
  return (typeof id === "number" && Number.isSafeInteger(id) && id > 0) || (typeof id === "string" && /^\d+$/.test(id))
    ? `gid://shopify/Product/${id}`
    : null;
}

export async function handleProductDelete(
  shop: string,
  payload: Record<string, unknown>,
): Promise<ProductDeletionReport | null> {
  const productId = deletedProductId(payload);
  if (!productId) {
    log.info(`products/delete for ${shop}: no product id in the body; nothing to do`);
    return null;
  }
  const report = await deleteProductData(
    { client: db(), store: blobStore(), producers: appProducers() },
    shop,
    productId,
  );
  const d = report.deleted;
  if (d.subjects > 0) {
    log.info(
      `products/delete for ${shop}: deleted ${productId}'s data: ${d.generations} requests (${report.cancelledGenerations} stopped), ${d.candidates} images, ` +
        `${d.blobs} blobs, ${report.jobsRemoved} queued jobs (${report.jobsKept} running, told to stop)`,
    );
  }
  return report;
}
