import { config } from "../config";
import { createPrismaClient, type PrismaClient } from "./client";

export { createPrismaClient, type PrismaClient } from "./client";
export { checkDatabase } from "./check";
export { isDatabaseUnavailable } from "./patient-pool";
export { forShop, ShopScopeError, type ShopScopedClient } from "./for-shop";
export { databaseKind, sqliteFilePath, type DatabaseKind } from "./url.mjs";
export * from "./enums";
export { Prisma } from "./generated/sqlite/client";
export type {
  Candidate,
  Generation,
  Session,
  Shop,
  Subject,
  TrainingImage,
  TuningRun,
  UsageRecord,
  WebhookEvent,
} from "./generated/sqlite/client";

// Kept on globalThis so that dev-server module reloads reuse one client (and one connection pool).
const globalKey = Symbol.for("scenebooth.db");
type Holder = { [globalKey]?: PrismaClient };

/** The process-wide Prisma client for `config().databaseUrl`, created on first use. */
export function db(): PrismaClient {
  const holder = globalThis as Holder;
  holder[globalKey] ??= createPrismaClient(config().databaseUrl);
  return holder[globalKey];
}

/** Disconnects the process-wide client (if one was created); the next db() creates a new one. */
export async function disconnectDb(): Promise<void> {
  const holder = globalThis as Holder;
  const client = holder[globalKey];
  delete holder[globalKey];
  await client?.$disconnect();
}
