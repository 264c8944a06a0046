export { countShopData, countShopJobs, deleteShopData, type DeletionReport, type LifecycleDeps, type ShopData } from "./shop-data";
export { removeShopJobs } from "./shop-jobs";
