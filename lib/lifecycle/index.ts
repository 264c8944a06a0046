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
export { markUninstalled, recordInstall, shopIsInstalled, triggeredAtOf, uninstallIsStale } from "./install";
export {
  broadcastWorkDirPurge,
  recordWorkDirPurge,
  workDirPurgeAcks,
  workDirPurgeChannel,
  type WorkDirPurgeAck,
  type WorkDirPurgeMessage,
} from "./workdir-purge";
