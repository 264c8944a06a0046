import type { PrismaClient } from "./client";

/** A query through forShop(A) tried to read or write another shop's rows. */
export class ShopScopeError extends Error {
  override name = "ShopScopeError";
}

const WHERE_OPERATIONS = new Set([
  "findUnique",
  "findUniqueOrThrow",
  "findFirst",
  "findFirstOrThrow",
  "findMany",
  "count",
  "aggregate",
  "groupBy",
  "update",
  "updateMany",
  "updateManyAndReturn",
  "upsert",
  "delete",
  "deleteMany",
]);
const CREATE_OPERATIONS = new Set(["create", "createMany", "createManyAndReturn"]);
const UPDATE_OPERATIONS = new Set(["update", "updateMany", "updateManyAndReturn"]);

type Args = Record<string, unknown>;

function isPlainObject(value: unknown): value is Args {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function checkShopValue(shop: string, value: unknown, where: string): void {
  if (value !== undefined && value !== shop) {
    throw new ShopScopeError(
      `forShop("${shop}"): ${where} names shop ${JSON.stringify(value)}; only "${shop}" is allowed.`,
    );
  }
}

/**
 * Nested `connect`/`connectOrCreate`/relation `set` attach rows picked by id alone, which can be
 * another shop's; scalar ids (subjectId, generationId…) are safe because every relation includes
 * `shop`, so the database rejects a parent from another shop.
 */
function rejectNestedConnects(shop: string, model: string, value: unknown, path: string): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => rejectNestedConnects(shop, model, item, `${path}[${i}]`));
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const here = `${path}.${key}`;
    const relationSet = key === "set" && (Array.isArray(child) || isPlainObject(child));
    if (key === "connect" || key === "connectOrCreate" || relationSet) {
      throw new ShopScopeError(
        `forShop("${shop}"): ${model} ${here} is not allowed through forShop; use the scalar id fields instead.`,
      );
    }
    rejectNestedConnects(shop, model, child, here);
  }
}

function scopeCreateData(shop: string, model: string, data: unknown): unknown {
  if (Array.isArray(data)) return data.map((item) => scopeCreateData(shop, model, item));
  if (!isPlainObject(data)) throw new ShopScopeError(`forShop("${shop}"): ${model} create data must be an object.`);
  checkShopValue(shop, data.shop, `${model} create data`);
  rejectNestedConnects(shop, model, data, "data");
  return { ...data, shop };
}

function scopeUpdateData(shop: string, model: string, data: unknown): unknown {
  if (!isPlainObject(data)) return data;
  checkShopValue(shop, data.shop, `${model} update data`);
  rejectNestedConnects(shop, model, data, "data");
  return data;
}

/** The arguments of one model operation, restricted to `shop`. */
export function scopeArgs(shop: string, model: string, operation: string, args: unknown): Args {
  const scoped: Args = isPlainObject(args) ? { ...args } : {};
  const known = WHERE_OPERATIONS.has(operation) || CREATE_OPERATIONS.has(operation);
  if (!known) throw new ShopScopeError(`forShop("${shop}"): ${model}.${operation} is not supported through forShop.`);

  if (WHERE_OPERATIONS.has(operation)) {
    const where = isPlainObject(scoped.where) ? scoped.where : {};
    checkShopValue(shop, where.shop, `${model}.${operation} where`);
    scoped.where = { ...where, shop };
  }
  if (CREATE_OPERATIONS.has(operation)) scoped.data = scopeCreateData(shop, model, scoped.data);
  if (UPDATE_OPERATIONS.has(operation)) scoped.data = scopeUpdateData(shop, model, scoped.data);
  if (operation === "upsert") {
    scoped.create = scopeCreateData(shop, model, scoped.create);
    scoped.update = scopeUpdateData(shop, model, scoped.update);
  }
  return scoped;
}

function refuseRawSql(shop: string): never {
  throw new ShopScopeError(`forShop("${shop}"): raw SQL cannot be scoped to a shop; use the unscoped client.`);
}

/**
 * A client whose model queries only ever see `shop`'s rows: `shop` is added to every `where` and
 * every created row, and a different shop in `where`/`data` is refused. Session (keyed by the
 * Shopify session storage) is left as is; raw SQL is refused.
 */
export function forShop(client: PrismaClient, shop: string) {
  if (typeof shop !== "string" || !shop.trim()) {
    throw new ShopScopeError(`forShop: a shop domain is required, got ${JSON.stringify(shop)}.`);
  }
  return client.$extends({
    name: `forShop(${shop})`,
    query: {
      $allModels: {
        async $allOperations({ model, operation, args, query }) {
          if (model === "Session") return query(args);
          return query(scopeArgs(shop, model, operation, args) as typeof args);
        },
      },
      $queryRaw: () => refuseRawSql(shop),
      $executeRaw: () => refuseRawSql(shop),
      $queryRawUnsafe: () => refuseRawSql(shop),
      $executeRawUnsafe: () => refuseRawSql(shop),
    },
  });
}

export type ShopScopedClient = ReturnType<typeof forShop>;
