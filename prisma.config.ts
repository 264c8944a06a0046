import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "prisma/config";

import { defaultSqliteUrl } from "./lib/config";
import { sqliteFilePath } from "./lib/db/url.mjs";

// Prisma CLI configuration. DATABASE_URL picks the database *and* the schema/migrations pair:
// file: URLs use prisma/schema.prisma + prisma/migrations, postgres(ql):// URLs use the generated
// prisma/postgres/schema.prisma + prisma/postgres/migrations (Prisma allows one provider per
// schema; see prisma/README.md).

const root = path.dirname(fileURLToPath(import.meta.url));

// PRISMA_WASM_ENGINE=1 runs migrations through the WebAssembly schema engine (for machines that
// cannot download Prisma's native engine); production leaves it unset and keeps the native one.
if (process.env.PRISMA_WASM_ENGINE === "1") {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(root, "prisma", "wasm-engine", "schema-engine.mjs");
}

function databaseUrl(): string {
  const url = process.env.DATABASE_URL?.trim() || defaultSqliteUrl();
  if (!url.startsWith("file:")) return url;
  // Relative SQLite paths are taken from the repository root, as the app does.
  const file = sqliteFilePath(url);
  if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
  return `file:${file}`;
}

const url = databaseUrl();
const postgres = /^postgres(ql)?:\/\//.test(url);

export default defineConfig({
  schema: postgres ? "prisma/postgres/schema.prisma" : "prisma/schema.prisma",
  migrations: { path: postgres ? "prisma/postgres/migrations" : "prisma/migrations" },
  datasource: { url },
});
