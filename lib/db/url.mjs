// Database URL helpers shared by the TypeScript code (lib/db), prisma.config.ts and the plain
// Node scripts (scripts/prepare-database.mjs), hence plain JavaScript with types in url.d.mts.

import path from "node:path";
import { fileURLToPath } from "node:url";
import { redactUrl } from "../redact-url.mjs";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** "sqlite" for file: URLs, "postgres" for postgres:// or postgresql:// URLs; throws otherwise. */
export function databaseKind(url) {
  if (url.startsWith("file:")) return "sqlite";
  if (/^postgres(ql)?:\/\//.test(url)) return "postgres";
  throw new Error(`Unsupported database URL "${redactUrl(url)}": expected file: (SQLite) or postgres:// (PostgreSQL).`);
}

/**
 * The absolute path of a file: URL's database (relative paths are taken from the repository
 * root), or ":memory:".
 */
export function sqliteFilePath(url) {
  if (!url.startsWith("file:")) throw new Error(`Not a SQLite URL: "${redactUrl(url)}".`);
  const file = url.slice("file:".length).replace(/\?.*$/, "");
  if (!file) throw new Error(`The SQLite URL "${redactUrl(url)}" names no file.`);
  if (file === ":memory:") return file;
  return path.resolve(projectRoot, file);
}
