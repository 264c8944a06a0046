export * from "./jobs";
export * from "./queues";
export * from "./connection";
export * from "./producer";
export * from "./shop-slots";
