export { countShopData, countShopJobs, deleteShopData, type DeletionReport, type LifecycleDeps, type ShopData } from "./shop-data";
export { deleteProductData, type ProductDeletionReport } from "./product-data";
export { removeShopJobs } from "./shop-jobs";
