export {
  countShopData,
  countShopJobs,
  deleteShopData,
  deletionSummary,
  type DeletionReport,
  type LifecycleDeps,
  type ShopData,
} from "./shop-data";
export { deleteProductData, type ProductDeletionReport } from "./product-data";
export { removeShopJobs } from "./shop-jobs";
export { markUninstalled, recordInstall, triggeredAtOf, uninstallIsStale } from "./install";
