import type { ShopRecord } from "./state";
import type { LocalStore } from "./store";

/** Per-request GraphQL context: the store, the shop the access token belongs to, and whether a bulk operation is reading. */
export interface Ctx {
  store: LocalStore;
  shop: ShopRecord;
  /** Bulk operations read whole connections, ignoring page sizes. */
  bulk: boolean;
}
