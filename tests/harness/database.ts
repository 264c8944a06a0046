// Test helpers: fresh SQLite files and throwaway PostgreSQL databases, migrated for real.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { PrismaPg } from "@prisma/adapter-pg";

import { createThrowawayPostgresDatabase, prepareDatabase } from "../../scripts/prepare-database.mjs";
import { redactUrl } from "../../lib/redact-url.mjs";
import { createPrismaClient, type PrismaClient } from "../../lib/db";

export const testPostgresUrl = process.env.TEST_POSTGRES_URL?.trim() || "postgresql://postgres@127.0.0.1:5432/postgres";

export interface PostgresAvailability {
  available: boolean;
  /** Why the PostgreSQL tests do not run; empty when they do. */
  skipReason: string;
}

/**
 * Whether the PostgreSQL tests run. They are skipped only when the server is unreachable and
 * CI is not set: in CI an unreachable server fails them instead.
 */
export async function postgresAvailability(): Promise<PostgresAvailability> {
  if (process.env.CI) return { available: true, skipReason: "" };
  try {
    const adapter = await new PrismaPg({ connectionString: testPostgresUrl, connectionTimeoutMillis: 3_000 }).connect();
    try {
      await adapter.queryRaw({ sql: "SELECT 1", args: [], argTypes: [] });
    } finally {
      await adapter.dispose();
    }
    return { available: true, skipReason: "" };
  } catch (error) {
    const reason = (error as { cause?: { kind?: string } })?.cause?.kind ?? (error as Error)?.message ?? String(error);
    const skipReason = `skipped: PostgreSQL at ${redactUrl(testPostgresUrl)} is unreachable (${reason}); set TEST_POSTGRES_URL, or CI=1 to make this a failure`;
    console.warn(`PostgreSQL tests ${skipReason}`);
    return { available: false, skipReason };
  }
}

/** A file: URL of a SQLite database that does not exist yet, in a fresh temporary folder. */
export function freshSqliteUrl(): { url: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scenebooth-db-"));
  return {
    url: `file:${path.join(dir, "test.sqlite")}`,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export type TestDatabaseKind = "sqlite" | "postgres";

/** An empty database of `kind` with every migration applied; `drop` removes it. */
export async function migratedTestDatabase(
  kind: TestDatabaseKind,
): Promise<{ url: string; drop: () => Promise<void> }> {
  if (kind === "sqlite") {
    const { url, remove } = freshSqliteUrl();
    await prepareDatabase({ databaseUrl: url, log: () => {} });
    return { url, drop: async () => remove() };
  }
  const database = await createThrowawayPostgresDatabase(testPostgresUrl);
  try {
    await prepareDatabase({ databaseUrl: database.url, log: () => {} });
  } catch (error) {
    await database.drop();
    throw error;
  }
  return { url: database.url, drop: database.drop };
}

export interface MigratedSqlite {
  client: PrismaClient;
  /** Disconnects and removes the database file. */
  close(): Promise<void>;
}

/** A fresh SQLite file migrated for real, and its client: for tests of code that reads and writes rows. */
export async function migratedSqlite(): Promise<MigratedSqlite> {
  const database = freshSqliteUrl();
  await prepareDatabase({ databaseUrl: database.url, log: () => {} });
  const client = createPrismaClient(database.url);
  return {
    client,
    async close() {
      await client.$disconnect();
      database.remove();
    },
  };
}
