import { readdirSync } from "node:fs";
import path from "node:path";

import { PrismaPg } from "@prisma/adapter-pg";
import Database from "better-sqlite3";

import { ConfigError, projectRoot } from "../config";
import { redactUrl } from "../redact-url.mjs";
import { databaseKind, sqliteFilePath } from "./url.mjs";

/** The migrations this release's code needs, per provider (the same folders prisma.config.ts uses). */
export function requiredMigrations(url: string, root = projectRoot): string[] {
  const dir = path.join(root, "prisma", ...(databaseKind(url) === "postgres" ? ["postgres"] : []), "migrations");
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

const APPLIED_SQL = `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;

async function appliedMigrations(url: string): Promise<string[]> {
  if (databaseKind(url) === "sqlite") {
    const db = new Database(sqliteFilePath(url), { fileMustExist: true, readonly: true });
    try {
      const hasTable = db
        .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`)
        .get();
      return hasTable
        ? (db.prepare(APPLIED_SQL).all() as { migration_name: string }[]).map((r) => r.migration_name)
        : [];
    } finally {
      db.close();
    }
  }
  const adapter = await new PrismaPg({ connectionString: url, connectionTimeoutMillis: 5_000 }).connect();
  try {
    const exists = await adapter.queryRaw({
      sql: `SELECT to_regclass('_prisma_migrations') IS NOT NULL`,
      args: [],
      argTypes: [],
    });
    if (!exists.rows[0]?.[0]) return [];
    return (await adapter.queryRaw({ sql: APPLIED_SQL, args: [], argTypes: [] })).rows.map((row) => String(row[0]));
  } finally {
    await adapter.dispose();
  }
}

/**
 * Migrations are a deploy step of their own (`npm run db:deploy`), not something each replica runs
 * at start; a process whose database lacks a migration it needs refuses to start, with the step to run.
 */
export async function checkSchemaCurrent(url: string, root = projectRoot): Promise<void> {
  const applied = new Set(await appliedMigrations(url));
  const missing = requiredMigrations(url, root).filter((name) => !applied.has(name));
  if (missing.length === 0) return;
  throw new ConfigError(
    `The database at ${redactUrl(url)} lacks ${missing.length} migration(s) this release needs (${missing.join(", ")}): run "npm run db:deploy" first.`,
  );
}
