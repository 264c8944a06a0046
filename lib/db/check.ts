import fs from "node:fs";

import { PrismaPg } from "@prisma/adapter-pg";
import Database from "better-sqlite3";

import { ConfigError } from "../config";
import { databaseKind, redactUrl, sqliteFilePath } from "./url.mjs";

const CONNECT_TIMEOUT_MS = 5_000;

function reason(error: unknown): string {
  const cause = (error as { cause?: { kind?: string; originalMessage?: string; message?: string } })?.cause;
  const message =
    cause?.originalMessage ??
    (error instanceof Error && error.message ? error.message : undefined) ??
    cause?.message ??
    cause?.kind ??
    (error instanceof AggregateError ? error.errors.map((e: Error) => e.message).join("; ") : String(error));
  return message.split("\n")[0]!.trim() || "unknown error";
}

async function checkSqlite(url: string): Promise<void> {
  const file = sqliteFilePath(url);
  if (file !== ":memory:" && !fs.existsSync(file)) {
    throw new Error(`the file does not exist (run "npm run setup")`);
  }
  const db = new Database(file, { fileMustExist: file !== ":memory:", timeout: CONNECT_TIMEOUT_MS });
  try {
    db.prepare("SELECT 1").get();
  } finally {
    db.close();
  }
}

async function checkPostgres(url: string): Promise<void> {
  const adapter = await new PrismaPg({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS }).connect();
  try {
    await adapter.queryRaw({ sql: "SELECT 1", args: [], argTypes: [] });
  } finally {
    await adapter.dispose();
  }
}

/**
 * Connects to the database once. On failure throws a ConfigError whose message is one line:
 * "Cannot reach the database at <url without password>: <reason>".
 */
export async function checkDatabase(url: string): Promise<void> {
  try {
    if (databaseKind(url) === "sqlite") await checkSqlite(url);
    else await checkPostgres(url);
  } catch (error) {
    throw new ConfigError(`Cannot reach the database at ${redactUrl(url)}: ${reason(error)}`);
  }
}
