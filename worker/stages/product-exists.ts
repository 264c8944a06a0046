import { ProductsByIdsDocument, type AdminClient } from "../../lib/shopify-admin";
import { MerchantActionError } from "./errors";

export const PRODUCT_DELETED_MESSAGE =
  "This product was deleted from your store: SceneBooth stopped working on it and charged nothing for it.";

/**
 * Before money or model time is spent on a product: it must still be in the store. products/delete
 * removes a deleted product's requests, but a webhook can come late or not at all.
 */
export async function assertProductExists(admin: AdminClient, productId: string): Promise<void> {
  const { nodes } = await admin.request(ProductsByIdsDocument, { ids: [productId] });
  if (!nodes[0]) throw new MerchantActionError("product_missing", PRODUCT_DELETED_MESSAGE);
}
