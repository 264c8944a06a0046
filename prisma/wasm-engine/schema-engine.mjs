#!/usr/bin/env node
// A stand-in for Prisma's native `schema-engine` binary, for machines that cannot download it.
//
// The Prisma CLI runs whatever PRISMA_SCHEMA_ENGINE_BINARY names as its schema engine
// (prisma.config.ts sets it to this file when PRISMA_WASM_ENGINE=1). This script speaks the
// binary's protocol and forwards every request to @prisma/schema-engine-wasm (the same Rust
// engine compiled to WebAssembly), which reaches the database through a Prisma driver adapter:
// @prisma/adapter-better-sqlite3 for file: URLs, @prisma/adapter-pg for postgres:// URLs.
//
// Protocol of the native binary, as the CLI uses it:
//   schema-engine --version                          -> prints "schema-engine-cli <commit>"
//   schema-engine --datasource '{"url":…}' cli <cmd>  -> can-connect-to-database | create-database |
//                                                       drop-database; errors as JSON log lines
//   schema-engine [--datamodels <file>]… [--datasource '<json>']
//                                                    -> JSON-RPC 2.0 on stdin/stdout, one object
//                                                       per line; logs on stderr as JSON lines
//
// The workarounds below are marked "FAULT n", numbered as in docs/prisma-offline.md.

import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import Database from "better-sqlite3";

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Command line

function parseArgs(argv) {
  const out = { datamodels: [], datasource: undefined, cli: undefined, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--version" || arg === "-V") out.version = true;
    else if (arg === "--datamodels") out.datamodels.push(argv[++i]);
    else if (arg === "--datasource") out.datasource = JSON.parse(argv[++i]);
    else if (arg === "--enabled-preview-features" || arg === "--extension-types")
      i++; // no effect on SQLite/PostgreSQL
    else if (arg === "cli") out.cli = argv[++i];
    else throw new Error(`Unknown schema-engine argument "${arg}".`);
  }
  return out;
}

/** A log line in the native engine's format: the CLI reads `fields.message` and ERROR levels. */
function log(level, message, extra = {}) {
  process.stderr.write(
    `${JSON.stringify({ timestamp: new Date().toISOString(), level, fields: { message, ...extra }, target: "schema_engine::logger" })}\n`,
  );
}

// ---------------------------------------------------------------------------------------------
// The WebAssembly engine

function wasmPaths() {
  const js = fileURLToPath(import.meta.resolve("@prisma/schema-engine-wasm/schema_engine_bg"));
  const dir = path.dirname(js);
  return { js, wasm: path.join(dir, "schema_engine_bg.wasm"), pkg: path.join(dir, "package.json") };
}

/** The engine build the installed Prisma CLI expects (prisma -> @prisma/engines -> engines-version). */
function expectedEngineVersion() {
  const fromPrisma = createRequire(require.resolve("prisma/package.json"));
  const fromEngines = createRequire(fromPrisma.resolve("@prisma/engines/package.json"));
  return fromEngines("@prisma/engines-version/package.json").version;
}

/** The wasm package must be exactly the engine build the CLI was released with. */
function checkWasmVersion() {
  const expected = expectedEngineVersion();
  const actual = JSON.parse(fs.readFileSync(wasmPaths().pkg, "utf8")).version;
  if (actual !== expected) {
    throw new Error(
      `@prisma/schema-engine-wasm is ${actual} but the Prisma CLI needs ${expected}; install @prisma/schema-engine-wasm@${expected}.`,
    );
  }
  return expected.split("-").pop().split(".").pop();
}

async function loadSchemaEngine() {
  const paths = wasmPaths();
  const runtime = await import(paths.js);
  const module = new WebAssembly.Module(fs.readFileSync(paths.wasm));
  const instance = new WebAssembly.Instance(module, { "./schema_engine_bg.js": runtime });
  runtime.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return runtime.SchemaEngine;
}

// ---------------------------------------------------------------------------------------------
// Driver adapters

const MIGRATIONS_TABLE = /\b_prisma_migrations\b/;

/** Wraps one adapter connection (or transaction) in place, keeping its private state intact. */
function patchQueryable(queryable, kind) {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    try {
      return await queryRaw(query);
    } catch (error) {
      // FAULT 1: on a fresh database the engine's read of _prisma_migrations fails with P1014
      // instead of "not initialized"; an empty result is what the native engine sees.
      if (MIGRATIONS_TABLE.test(query.sql) && /^\s*SELECT\b/i.test(query.sql) && isMissingTable(error)) {
        return { columnNames: [], columnTypes: [], rows: [] };
      }
      throw error;
    }
  };
  if (kind === "sqlite") {
    // FAULT 6: replaying migrations into the shadow database sends a whole
    // migration.sql through executeRaw, which better-sqlite3's prepare() refuses ("more than one
    // statement"); run such parameterless scripts with exec() on the same connection.
    const executeRaw = queryable.executeRaw.bind(queryable);
    queryable.executeRaw = async (query) => {
      try {
        return await executeRaw(query);
      } catch (error) {
        if (!isMultiStatementError(error) || query.args.length > 0) throw error;
        queryable.client.exec(query.sql);
        return 0;
      }
    };
  }
  if (kind === "postgres") {
    // FAULT 2: adapter-pg rejects PostgreSQL's internal "char" type (oid 18, used by the catalog
    // queries of introspection); its text form is exactly what the engine expects.
    const performIO = queryable.performIO.bind(queryable);
    queryable.performIO = async (query) => {
      const result = await performIO(query);
      for (const field of result?.fields ?? []) if (field.dataTypeID === 18) field.dataTypeID = 25;
      return result;
    };
  }
  if (typeof queryable.startTransaction === "function") {
    const startTransaction = queryable.startTransaction.bind(queryable);
    queryable.startTransaction = async (...args) => patchQueryable(await startTransaction(...args), kind);
  }
  return queryable;
}

function isMultiStatementError(error) {
  return /more than one statement/i.test(`${error?.cause?.originalMessage ?? ""} ${error?.message ?? ""}`);
}

function isMissingTable(error) {
  const cause = error?.cause ?? {};
  return (
    cause.kind === "TableDoesNotExist" ||
    cause.originalCode === "42P01" ||
    /no such table|does not exist/i.test(`${cause.originalMessage ?? ""} ${error?.message ?? ""}`)
  );
}

function sqliteFile(url) {
  const file = url.slice("file:".length).replace(/\?.*$/, "");
  return file === ":memory:" ? file : path.resolve(file);
}

function sqliteFactory(url) {
  const base = new PrismaBetterSqlite3({ url: `file:${sqliteFile(url)}` });
  return {
    provider: base.provider,
    adapterName: base.adapterName,
    connect: async () => patchQueryable(await base.connect(), "sqlite"),
    connectToShadowDb: async () => patchQueryable(await base.connectToShadowDb(), "sqlite"),
  };
}

/** host/port/user/password/database of a postgres:// URL, plus Prisma's ?schema= parameter. */
function pgConfig(url) {
  const u = new URL(url);
  const config = {
    host: decodeURIComponent(u.hostname) || "localhost",
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username) || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: decodeURIComponent(u.pathname.replace(/^\//, "")) || undefined,
  };
  const sslmode = u.searchParams.get("sslmode");
  if (sslmode && sslmode !== "disable") config.ssl = { rejectUnauthorized: sslmode === "verify-full" };
  return { config, schema: u.searchParams.get("schema") ?? undefined };
}

function pgFactory(url) {
  // FAULT 3: built from separate fields, because PrismaPg's own shadow database is the main one
  // when it was given a connectionString (pg prefers connectionString over `database`).
  const { config, schema } = pgConfig(url);
  const base = new PrismaPg(config, schema ? { schema } : undefined);
  return {
    provider: base.provider,
    adapterName: base.adapterName,
    connect: async () => patchQueryable(await base.connect(), "postgres"),
    // FAULT 3: PrismaPg drops its shadow database while its own pool is still connected
    // ("being accessed by other users"); here the shadow pool is closed first, then dropped.
    connectToShadowDb: async () => {
      const main = await base.connect();
      const name = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID()}`;
      await main.executeScript(`CREATE DATABASE "${name}"`);
      const shadow = await new PrismaPg({ ...config, database: name }).connect();
      const dispose = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        try {
          await dispose();
          await main.executeScript(`DROP DATABASE IF EXISTS "${name}"`);
        } finally {
          await main.dispose();
        }
      };
      return patchQueryable(shadow, "postgres");
    },
  };
}

function providerOf(datamodels) {
  for (const [, content] of datamodels) {
    const match = /datasource\s+\w+\s*{[^}]*provider\s*=\s*"([^"]+)"/.exec(content);
    if (match) return match[1];
  }
  return undefined;
}

function kindOf(url, datamodels) {
  if (url?.startsWith("file:")) return "sqlite";
  if (url && /^postgres(ql)?:\/\//.test(url)) return "postgres";
  if (url) throw new Error(`This schema engine handles file: and postgres:// URLs only, not "${redact(url)}".`);
  const provider = providerOf(datamodels);
  if (provider === "sqlite") return "sqlite";
  if (provider === "postgresql" || provider === "postgres") return "postgres";
  throw new Error("No datasource URL was given (set DATABASE_URL).");
}

function adapterFactory(url, datamodels) {
  const kind = kindOf(url, datamodels);
  if (kind === "sqlite") return sqliteFactory(url ?? "file::memory:");
  if (!url) {
    return {
      provider: "postgres",
      adapterName: "@prisma/adapter-pg",
      connect: async () => {
        throw new Error("No datasource URL was given (set DATABASE_URL).");
      },
      connectToShadowDb: async () => {
        throw new Error("No datasource URL was given (set DATABASE_URL).");
      },
    };
  }
  return pgFactory(url);
}

function redact(url) {
  return String(url).replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, "$1:***@");
}

// ---------------------------------------------------------------------------------------------
// Database-level operations the wasm engine does not offer

async function canConnect(url) {
  const adapter = await adapterFactory(url, []).connect();
  try {
    await adapter.queryRaw({ sql: "SELECT 1", args: [], argTypes: [] });
  } finally {
    await adapter.dispose();
  }
}

/** Connects to the server's `postgres` database to create or drop the URL's database. */
async function withPgMaintenance(url, fn) {
  const { config } = pgConfig(url);
  const adapter = await new PrismaPg({ ...config, database: "postgres" }).connect();
  try {
    return await fn(adapter, config.database);
  } finally {
    await adapter.dispose();
  }
}

async function createDatabase(url) {
  if (kindOf(url, []) === "sqlite") {
    const file = sqliteFile(url);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    new Database(file).close();
    return path.basename(file);
  }
  return withPgMaintenance(url, async (adapter, name) => {
    await adapter.executeScript(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    return name;
  });
}

async function dropDatabase(url) {
  if (kindOf(url, []) === "sqlite") {
    fs.rmSync(sqliteFile(url), { force: true });
    return;
  }
  await withPgMaintenance(url, (adapter, name) =>
    adapter.executeScript(`DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}"`),
  );
}

/** FAULT 4: the wasm engine's reset leaves SQLite tables in place; drop everything here. */
function resetSqlite(url) {
  const db = new Database(sqliteFile(url));
  try {
    db.pragma("foreign_keys = OFF");
    const objects = db
      .prepare("SELECT type, name FROM sqlite_master WHERE type IN ('view', 'table') AND name NOT LIKE 'sqlite_%'")
      .all();
    db.transaction(() => {
      for (const { type, name } of objects)
        db.exec(`DROP ${type.toUpperCase()} IF EXISTS "${name.replaceAll('"', '""')}"`);
    })();
    db.exec("VACUUM");
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// `cli <command>` mode

async function runCli(command, url) {
  // The CLI ignores the first stderr line of `cli` commands (the native binary's start-up line).
  log("INFO", `Starting schema engine CLI (WebAssembly bridge): ${command}`);
  try {
    if (!url) throw new Error("No datasource URL was given.");
    if (command === "can-connect-to-database") await canConnect(url);
    else if (command === "create-database") {
      const name = await createDatabase(url);
      process.stdout.write(`${JSON.stringify({ database_name: name })}\n`);
    } else if (command === "drop-database") await dropDatabase(url);
    else throw new Error(`Unknown schema-engine cli command "${command}".`);
    return 0;
  } catch (error) {
    const { code, message } = describeConnectionError(error, url);
    log("ERROR", message, { error_code: code });
    return 1;
  }
}

/** The native engine's error codes and wording for failed connections (the CLI acts on P1003). */
function describeConnectionError(error, url) {
  const cause = error?.cause ?? {};
  let where = redact(url ?? "");
  let database = "";
  if (url && !url.startsWith("file:")) {
    const u = new URL(url);
    where = `${u.hostname}:${u.port || 5432}`;
    database = decodeURIComponent(u.pathname.replace(/^\//, ""));
  }
  if (cause.kind === "DatabaseDoesNotExist") {
    return {
      code: "P1003",
      message: `Database \`${database}\` does not exist on the database server at \`${where}\`.`,
    };
  }
  if (url?.startsWith("file:") && /unable to open database|directory does not exist/i.test(error?.message ?? "")) {
    return { code: "P1003", message: `Database ${where} does not exist.` };
  }
  if (cause.kind === "AuthenticationFailed") {
    return { code: "P1000", message: `Authentication failed against database server at \`${where}\`.` };
  }
  if (cause.kind === "DatabaseNotReachable") {
    return { code: "P1001", message: `Can't reach database server at \`${where}\`.` };
  }
  return {
    code: "P1001",
    message: `Can't reach database server at \`${where}\`: ${cause.originalMessage ?? error?.message ?? error}`,
  };
}

// ---------------------------------------------------------------------------------------------
// JSON-RPC server mode

// Native method names that the wasm engine spells differently.
const RENAMED = { getDatabaseVersion: "version" };

class Server {
  constructor(engine, url, errorRegistry) {
    this.engine = engine;
    this.url = url;
    this.errorRegistry = errorRegistry;
    this.nextOutgoingId = 1_000_000;
    this.pendingOutgoing = new Map();
  }

  send(message) {
    process.stdout.write(`${JSON.stringify(message)}\n`);
  }

  /** A request from the engine to the CLI; the CLI answers with a response line. */
  request(method, params) {
    const id = this.nextOutgoingId++;
    return new Promise((resolve) => {
      this.pendingOutgoing.set(id, resolve);
      this.send({ jsonrpc: "2.0", id, method, params });
    });
  }

  async handle(line) {
    const message = JSON.parse(line);
    if (message.method === undefined) {
      this.pendingOutgoing.get(message.id)?.(message);
      this.pendingOutgoing.delete(message.id);
      return;
    }
    const { id, method, params } = message;
    try {
      const result = await this.call(method, params);
      this.send({ jsonrpc: "2.0", id, result: result ?? null });
    } catch (error) {
      this.send({ jsonrpc: "2.0", id, error: toRpcError(error, this.errorRegistry) });
    }
  }

  async call(method, params) {
    if (method === "reset" && this.url && kindOf(this.url, []) === "sqlite") {
      resetSqlite(this.url);
      return null;
    }
    if (method === "createDatabase") {
      const url = params?.datasource?.url ?? this.url;
      return { databaseName: await createDatabase(url) };
    }
    if (method === "diff") {
      // FAULT 5: the native engine prints the diff itself (a "print" request to the CLI); the
      // wasm engine returns it instead, so forward it or `migrate diff` shows nothing.
      const { stdout, ...rest } = await this.engine.diff(params);
      if (stdout) await this.request("print", { content: stdout.replace(/\n$/, "") });
      return rest;
    }
    const wasmMethod = RENAMED[method] ?? method;
    if (typeof this.engine[wasmMethod] !== "function") {
      throw Object.assign(new Error(`The WebAssembly schema engine does not support "${method}".`), {
        rpcCode: -32601,
      });
    }
    // Called on the engine object itself: a detached method loses its wasm binding.
    return this.engine[wasmMethod](params ?? undefined);
  }
}

/**
 * Errors thrown by JavaScript inside the adapter reach the engine only as "External error id#N";
 * put the original message back so the CLI shows the real cause.
 */
function withExternalErrors(message, errorRegistry) {
  return message.replace(/External error id#(\d+)/g, (text, id) => {
    const original = errorRegistry?.consumeError(Number(id))?.error;
    return original ? `${text}: ${original.message ?? original}` : text;
  });
}

function toRpcError(error, errorRegistry) {
  if (error?.rpcCode) return { code: error.rpcCode, message: error.message };
  const panic = error?.name === "RuntimeError";
  const data = { is_panic: panic, message: withExternalErrors(String(error?.message ?? error), errorRegistry) };
  if (typeof error?.code === "string") {
    data.error_code = error.code;
    data.meta = error.meta ?? null;
  }
  if (panic) data.error = { message: data.message };
  return { code: 4466, message: "An error happened. Check the data field for details.", data };
}

async function serve(args) {
  const datamodels = args.datamodels.map((file) => [file, fs.readFileSync(file, "utf8")]);
  const url = args.datasource?.url;
  const factory = bindMigrationAwareSqlAdapterFactory(adapterFactory(url, datamodels));
  const SchemaEngine = await loadSchemaEngine();
  const engine = await SchemaEngine.new(
    { datamodels: datamodels.length > 0 ? datamodels : undefined },
    (line) => {
      if (process.env.PRISMA_WASM_ENGINE_DEBUG) process.stderr.write(`${line}\n`);
    },
    factory,
  );
  const server = new Server(engine, url, factory.errorRegistry);

  // Requests run one at a time, in order, like the native engine's CLI usage.
  let queue = Promise.resolve();
  const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  input.on("line", (line) => {
    if (!line.trim()) return;
    const message = JSON.parse(line);
    if (message.method === undefined) {
      // A response to one of our own requests must not wait behind the request that sent it.
      void server.handle(line);
      return;
    }
    queue = queue.then(() => server.handle(line));
  });
  await new Promise((resolve) => input.on("close", resolve));
  await queue;
  engine.free();
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const commit = checkWasmVersion();
  if (args.version) {
    process.stdout.write(`schema-engine-cli ${commit}\n`);
    return 0;
  }
  if (args.cli) return runCli(args.cli, args.datasource?.url);
  await serve(args);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    log("ERROR", String(error?.message ?? error));
    process.exit(1);
  },
);
