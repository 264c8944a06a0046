#!/usr/bin/env node
// Makes the database named by DATABASE_URL ready for the app and the worker:
//   1. generates the Prisma clients when they are missing or the schema changed (hash stamp),
//   2. creates the SQLite file's folder,
//   3. applies pending migrations with `prisma migrate deploy` (skipped when the migrations
//      table already lists every migration with its checksum), using the SQLite or PostgreSQL
//      schema + migrations folder that matches the URL (see prisma.config.ts).
// Usage: node scripts/prepare-database.mjs                  (DATABASE_URL or data/scenebooth.sqlite)
//        node scripts/prepare-database.mjs --generate-only  (clients only, no database: image builds)
// Exports prepareDatabase() and createThrowawayPostgresDatabase() for setup scripts and tests.

import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { PrismaPg } from "@prisma/adapter-pg";
import Database from "better-sqlite3";

import { databaseKind, sqliteFilePath } from "../lib/db/url.mjs";
import { redactUrl } from "../lib/redact-url.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const prismaCli = path.join(root, "node_modules", "prisma", "build", "index.js");
const generatedDir = path.join(root, "lib", "db", "generated");
const stampFile = path.join(generatedDir, "schema-hash.txt");

const SCHEMAS = {
  sqlite: { schema: "prisma/schema.prisma", migrations: "prisma/migrations" },
  postgres: { schema: "prisma/postgres/schema.prisma", migrations: "prisma/postgres/migrations" },
};
/** Files each generator writes; all must exist for the clients to be usable. */
const GENERATED_FILES = [
  path.join(generatedDir, "sqlite", "client.ts"),
  path.join(generatedDir, "postgres", "client.ts"),
  path.join(root, "node_modules", ".prisma", "client", "default.js"),
];

/** Same default as lib/config.ts. */
export function defaultDatabaseUrl() {
  return `file:${path.join(root, "data", "scenebooth.sqlite")}`;
}

function runPrisma(args, { databaseUrl }) {
  const env = { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" };
  // Offline machines cannot download Prisma's native schema engine: use the wasm bridge unless
  // the caller decided (PRISMA_WASM_ENGINE=0 keeps the native engine).
  env.PRISMA_WASM_ENGINE ??= "1";
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [prismaCli, ...args],
      { cwd: root, env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim();
        if (error) reject(new Error(`prisma ${args.join(" ")} failed:\n${output}`));
        else resolve(output);
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Generated clients

function schemaHash() {
  const hash = crypto.createHash("sha256");
  hash.update(JSON.parse(fs.readFileSync(path.join(root, "node_modules", "prisma", "package.json"), "utf8")).version);
  for (const { schema } of Object.values(SCHEMAS)) hash.update(fs.readFileSync(path.join(root, schema)));
  return hash.digest("hex");
}

async function ensureClients(log) {
  const hash = schemaHash();
  const current = fs.existsSync(stampFile) ? fs.readFileSync(stampFile, "utf8").trim() : "";
  if (current === hash && GENERATED_FILES.every((file) => fs.existsSync(file))) return false;
  log("Generating the Prisma clients (SQLite and PostgreSQL)…");
  fs.rmSync(stampFile, { force: true });
  // The generators need no database; any URL of the right kind keeps prisma.config.ts happy.
  await Promise.all(
    Object.values(SCHEMAS).map(({ schema }) =>
      runPrisma(["generate", "--schema", schema], { databaseUrl: defaultDatabaseUrl() }),
    ),
  );
  fs.writeFileSync(stampFile, `${hash}\n`);
  return true;
}

async function checkPostgresSchemaInSync() {
  const { syncPostgresSchema } = await import("../prisma/sync-postgres-schema.mjs");
  if (syncPostgresSchema({ check: true }).changed) {
    throw new Error(
      "prisma/postgres/schema.prisma is out of date with prisma/schema.prisma: run `node prisma/create-migration.mjs <name>` (or `node prisma/sync-postgres-schema.mjs`).",
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Migrations

function migrationsOnDisk(kind) {
  const dir = path.join(root, SCHEMAS[kind].migrations);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, "migration.sql")))
    .map((entry) => ({
      name: entry.name,
      checksum: crypto
        .createHash("sha256")
        .update(fs.readFileSync(path.join(dir, entry.name, "migration.sql")))
        .digest("hex"),
    }));
}

const APPLIED_SQL =
  'SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM "_prisma_migrations"';

/** Rows of _prisma_migrations, or undefined when the database or the table does not exist yet. */
async function appliedMigrations(kind, databaseUrl) {
  if (kind === "sqlite") {
    const file = sqliteFilePath(databaseUrl);
    if (file === ":memory:" || !fs.existsSync(file)) return undefined;
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const table = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'")
        .get();
      if (!table) return undefined;
      return db
        .prepare(APPLIED_SQL)
        .all()
        .map((row) => ({ ...row, finished: !!row.finished, rolled_back: !!row.rolled_back }));
    } finally {
      db.close();
    }
  }
  const adapter = await new PrismaPg({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 }).connect();
  try {
    const exists = await adapter.queryRaw({
      sql: "SELECT to_regclass('_prisma_migrations') IS NOT NULL",
      args: [],
      argTypes: [],
    });
    if (!exists.rows[0]?.[0]) return undefined;
    const result = await adapter.queryRaw({ sql: APPLIED_SQL, args: [], argTypes: [] });
    return result.rows.map(([migration_name, checksum, finished, rolled_back]) => ({
      migration_name,
      checksum,
      finished,
      rolled_back,
    }));
  } catch {
    return undefined; // e.g. the database does not exist yet: `migrate deploy` creates it
  } finally {
    await adapter.dispose();
  }
}

function isUpToDate(onDisk, applied) {
  if (!applied || onDisk.length === 0) return false;
  const live = applied.filter((row) => !row.rolled_back);
  if (live.some((row) => !row.finished)) return false; // a failed migration: let the CLI report it
  return onDisk.every(({ name, checksum }) =>
    live.some((row) => row.migration_name === name && row.checksum === checksum),
  );
}

// ---------------------------------------------------------------------------------------------

/**
 * Generates the clients if needed and (unless `migrate` is false) applies pending migrations to
 * `databaseUrl`.
 * Returns what it did; throws an Error carrying the Prisma CLI's output when a step fails.
 */
export async function prepareDatabase({
  databaseUrl = process.env.DATABASE_URL?.trim() || defaultDatabaseUrl(),
  log = console.log,
  migrate = true,
} = {}) {
  const kind = databaseKind(databaseUrl);
  await checkPostgresSchemaInSync();
  const generated = await ensureClients(log);
  if (!migrate) return { kind, generated, migrated: false };

  if (kind === "sqlite") {
    const file = sqliteFilePath(databaseUrl);
    if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
  }

  let migrated = false;
  if (!isUpToDate(migrationsOnDisk(kind), await appliedMigrations(kind, databaseUrl))) {
    log(`Applying migrations to ${redactUrl(databaseUrl)}…`);
    const output = await runPrisma(["migrate", "deploy"], { databaseUrl });
    const applied = /following migration\(s\) have been applied/.test(output);
    log(applied ? "Migrations applied." : "No pending migrations.");
    migrated = applied;
  }

  if (kind === "sqlite") {
    const file = sqliteFilePath(databaseUrl);
    if (file !== ":memory:") {
      // WAL lets the app and the worker read while the other writes; the mode sticks to the file.
      const db = new Database(file);
      try {
        if (db.pragma("journal_mode", { simple: true }) !== "wal") db.pragma("journal_mode = WAL");
      } finally {
        db.close();
      }
    }
  }
  return { kind, generated, migrated };
}

// ---------------------------------------------------------------------------------------------
// Throwaway PostgreSQL databases (tests, CI)

function quoteIdent(name) {
  return `"${name.replaceAll('"', '""')}"`;
}

async function withAdmin(baseUrl, fn) {
  const adapter = await new PrismaPg({ connectionString: baseUrl, connectionTimeoutMillis: 5_000 }).connect();
  try {
    return await fn(adapter);
  } finally {
    await adapter.dispose();
  }
}

/**
 * Creates an empty database on the server of `baseUrl` (a URL of any existing database there,
 * e.g. .../postgres) and returns its URL and a function that drops it.
 */
export async function createThrowawayPostgresDatabase(baseUrl) {
  if (databaseKind(baseUrl) !== "postgres") throw new Error(`Not a PostgreSQL URL: "${redactUrl(baseUrl)}".`);
  const name = `scenebooth_test_${crypto.randomBytes(6).toString("hex")}`;
  await withAdmin(baseUrl, (admin) => admin.executeScript(`CREATE DATABASE ${quoteIdent(name)}`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin(baseUrl, (admin) =>
        admin.executeScript(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
      );
    },
  };
}

// ---------------------------------------------------------------------------------------------

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const migrate = !process.argv.includes("--generate-only");
  prepareDatabase({ migrate }).then(
    () =>
      console.log(
        `${migrate ? "Database" : "Prisma clients"} ready (${((performance.now() - started) / 1000).toFixed(1)} s).`,
      ),
    (error) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
