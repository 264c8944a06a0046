import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";

import { PrismaClient as PostgresPrismaClient } from "./generated/postgres/client";
import { PrismaClient as SqlitePrismaClient } from "./generated/sqlite/client";
import { databaseKind, sqliteFilePath } from "./url.mjs";

/**
 * The application's Prisma client type. Prisma generates one client per provider (its query
 * compiler is provider-specific) from the same models, so the SQLite client's type stands for both.
 */
export type PrismaClient = SqlitePrismaClient;

/** A Prisma client for `databaseUrl`: better-sqlite3 for file: URLs, node-postgres for postgres:// URLs. */
export function createPrismaClient(databaseUrl: string): PrismaClient {
  if (databaseKind(databaseUrl) === "sqlite") {
    // Another process (app, worker) may hold the write lock for a moment: wait, don't fail.
    const adapter = new PrismaBetterSqlite3({ url: `file:${sqliteFilePath(databaseUrl)}`, timeout: 10_000 });
    return new SqlitePrismaClient({ adapter });
  }
  const schema = new URL(databaseUrl).searchParams.get("schema") ?? undefined;
  const adapter = new PrismaPg({ connectionString: databaseUrl }, schema ? { schema } : undefined);
  // Same models, same API; only the provider baked into the generated code differs.
  return new PostgresPrismaClient({ adapter }) as unknown as PrismaClient;
}
