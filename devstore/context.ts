import type { GraphQLSchema } from "graphql";
import type { ShopRecord } from "./state";
import type { LocalStore } from "./store";

/** Per-request GraphQL context: the store, the shop the access token belongs to, the API version's schema, and whether a bulk operation is reading. */
export interface Ctx {
  store: LocalStore;
  shop: ShopRecord;
  /** The schema of the API version serving the request (see api-versions.ts). */
  schema: GraphQLSchema;
  /** Bulk operations read whole connections, ignoring page sizes. */
  bulk: boolean;
  /** The request's token's scopes, and the app's required and optional ones (absent: the store's own calls, unchecked). */
  access?: { granted: string[]; required: string[]; optional: string[] };
}
