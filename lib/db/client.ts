import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";

import { PrismaClient as PostgresPrismaClient } from "./generated/postgres/client";
import { PrismaClient as SqlitePrismaClient } from "./generated/sqlite/client";
import { PatientPool, POSTGRES_UNAVAILABLE_WAIT_MS } from "./patient-pool";
import { databaseKind, sqliteFilePath } from "./url.mjs";

/**
 * The application's Prisma client type. Prisma generates one client per provider (its query
 * compiler is provider-specific) from the same models, so the SQLite client's type stands for both.
 */
export type PrismaClient = SqlitePrismaClient;

/** How long a SQLite operation keeps trying while another process (app, worker) holds the write lock. */
export const SQLITE_BUSY_WAIT_MS = 10_000;

const isSqliteBusy = (error: unknown) =>
  (error as { code?: string }).code === "P1008" &&
  /SQLITE_BUSY/.test(
    String(
      (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } }).meta?.driverAdapterError
        ?.cause?.originalCode,
    ),
  );

/**
 * Retries an operation that found the database locked. SQLite's busy timeout covers most waits, but
 * not a write inside a transaction that has already read (Prisma runs upserts and nested writes that
 * way): in WAL mode that fails at once with SQLITE_BUSY while another connection writes.
 */
function retryWhileLocked(client: SqlitePrismaClient): PrismaClient {
  return client.$extends({
    query: {
      async $allOperations({ args, query }) {
        const deadline = Date.now() + SQLITE_BUSY_WAIT_MS;
        for (let pause = 25; ; pause = Math.min(pause * 2, 500)) {
          try {
            return await query(args);
          } catch (error) {
            if (!isSqliteBusy(error) || Date.now() + pause > deadline) throw error;
            await new Promise((resolve) => setTimeout(resolve, pause + Math.random() * pause));
          }
        }
      },
    },
  }) as unknown as PrismaClient;
}

/** A Prisma client for `databaseUrl`: better-sqlite3 for file: URLs, node-postgres for postgres:// URLs. */
export function createPrismaClient(databaseUrl: string): PrismaClient {
  if (databaseKind(databaseUrl) === "sqlite") {
    // Another process (app, worker) may hold the write lock for a moment: wait, don't fail.
    const adapter = new PrismaBetterSqlite3({
      url: `file:${sqliteFilePath(databaseUrl)}`,
      timeout: SQLITE_BUSY_WAIT_MS,
    });
    // Prisma runs upserts and nested writes in a transaction that expires after 5 s by default:
    // shorter than the busy timeout, so a wait for the lock would end the transaction.
    const transactionOptions = { maxWait: SQLITE_BUSY_WAIT_MS, timeout: SQLITE_BUSY_WAIT_MS + 5_000 };
    return retryWhileLocked(new SqlitePrismaClient({ adapter, transactionOptions }));
  }
  const schema = new URL(databaseUrl).searchParams.get("schema") ?? undefined;
  // A restart or failover of the server is waited out (up to 10 s) rather than failing the request,
  // and a transaction may wait that long for its connection (Prisma's default is 2 s).
  const adapter = new PrismaPg(new PatientPool({ connectionString: databaseUrl }), {
    ...(schema ? { schema } : {}),
    disposeExternalPool: true,
  });
  const transactionOptions = { maxWait: POSTGRES_UNAVAILABLE_WAIT_MS + 1_000 };
  // Same models, same API; only the provider baked into the generated code differs.
  return new PostgresPrismaClient({ adapter, transactionOptions }) as unknown as PrismaClient;
}
