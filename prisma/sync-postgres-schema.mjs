#!/usr/bin/env node
// Writes prisma/postgres/schema.prisma from prisma/schema.prisma: same models, PostgreSQL
// provider, its own generated client. Prisma allows one provider per schema, so PostgreSQL gets
// this derived copy (and its own migrations folder) instead of a second hand-kept schema.
//
//   node prisma/sync-postgres-schema.mjs          write the file if it changed
//   node prisma/sync-postgres-schema.mjs --check  exit 1 if the committed file is stale

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const prismaDir = path.dirname(fileURLToPath(import.meta.url));
export const sqliteSchemaPath = path.join(prismaDir, "schema.prisma");
export const postgresSchemaPath = path.join(prismaDir, "postgres", "schema.prisma");

const HEADER = `// GENERATED from prisma/schema.prisma by prisma/sync-postgres-schema.mjs. Do not edit:
// change prisma/schema.prisma and run \`node prisma/sync-postgres-schema.mjs\`.
`;

function replaceOnce(text, pattern, replacement, what) {
  const matches = text.match(new RegExp(pattern.source, `${pattern.flags.replace("g", "")}g`)) ?? [];
  if (matches.length !== 1) {
    throw new Error(`prisma/schema.prisma: expected exactly one ${what}, found ${matches.length}.`);
  }
  return text.replace(pattern, replacement);
}

/** The PostgreSQL schema text derived from the SQLite schema text. */
export function postgresSchemaFrom(source) {
  let text = source;
  text = replaceOnce(
    text,
    /(datasource\s+db\s*{[^}]*provider\s*=\s*)"sqlite"/,
    '$1"postgresql"',
    'datasource "db" with provider "sqlite"',
  );
  text = replaceOnce(
    text,
    /(generator\s+client\s*{[^}]*output\s*=\s*)"\.\.\/lib\/db\/generated\/sqlite"/,
    '$1"../../lib/db/generated/postgres"',
    'generator "client" with output "../lib/db/generated/sqlite"',
  );
  // node_modules/.prisma/client is a single place; the SQLite schema's prisma-client-js fills it.
  text = replaceOnce(text, /(?:^\/\/[^\n]*\n)*generator\s+client_js\s*{[^}]*}\n\n?/m, "", 'generator "client_js"');
  return HEADER + text;
}

export function syncPostgresSchema({ check = false } = {}) {
  const expected = postgresSchemaFrom(fs.readFileSync(sqliteSchemaPath, "utf8"));
  const current = fs.existsSync(postgresSchemaPath) ? fs.readFileSync(postgresSchemaPath, "utf8") : undefined;
  if (current === expected) return { changed: false };
  if (check) return { changed: true };
  fs.mkdirSync(path.dirname(postgresSchemaPath), { recursive: true });
  fs.writeFileSync(postgresSchemaPath, expected);
  return { changed: true };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes("--check");
  const { changed } = syncPostgresSchema({ check });
  if (check && changed) {
    console.error("prisma/postgres/schema.prisma is out of date: run `node prisma/sync-postgres-schema.mjs`.");
    process.exit(1);
  }
  console.log(changed ? "Wrote prisma/postgres/schema.prisma." : "prisma/postgres/schema.prisma is up to date.");
}
