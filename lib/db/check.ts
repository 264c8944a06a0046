import fs from "node:fs";

import { PrismaPg } from "@prisma/adapter-pg";
import Database from "better-sqlite3";

import { ConfigError } from "../config";
import { redactUrl } from "../redact-url.mjs";
import { databaseKind, sqliteFilePath } from "./url.mjs";

const CONNECT_TIMEOUT_MS = 5_000;

type DriverCause = {
  kind?: string;
  originalMessage?: string;
  message?: string;
  host?: string;
  port?: number;
  reason?: string;
  cause?: string;
};

/** The driver adapters report connection failures as a `cause` with a kind; say it in words. */
function reason(error: unknown, url: string): string {
  const cause = (error as { cause?: DriverCause })?.cause;
  let text: string | undefined;
  if (cause?.kind === "DatabaseNotReachable") {
    const { hostname, port } = new URL(url);
    text = `no server answers at ${hostname}:${port || 5432} (connection refused or unknown host)`;
  } else if (cause?.kind === "SocketTimeout") {
    text = "the connection timed out";
  } else if (cause?.kind === "TlsConnectionError") {
    text = `TLS error: ${cause.reason}`;
  } else if (cause?.kind === "TooManyConnections") {
    text = `too many connections: ${cause.cause}`;
  }
  text ??= cause?.originalMessage ?? cause?.message;
  if (!text && error instanceof AggregateError) text = error.errors.map((e: Error) => e.message).join("; ");
  if (!text && error instanceof Error) text = error.message;
  text ??= cause?.kind ?? String(error);
  return text.split("\n")[0]!.trim() || "unknown error";
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
    throw new ConfigError(`Cannot reach the database at ${redactUrl(url)}: ${reason(error, url)}`);
  }
}
