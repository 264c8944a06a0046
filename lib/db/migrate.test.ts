// `prisma migrate deploy` (the real CLI, through prisma/wasm-engine/schema-engine.mjs) on empty
// SQLite and PostgreSQL databases, and the committed migrations against the schema.

import { execFile } from "node:child_process";
import path from "node:path";

import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";

import { projectRoot } from "../config";
import { createThrowawayPostgresDatabase } from "../../scripts/prepare-database.mjs";
import { createPrismaClient } from "./client";
import { freshSqliteUrl, postgresAvailability, testPostgresUrl } from "../../tests/harness/database";

const MODEL_TABLES = [
  "BrandPreset",
  "Candidate",
  "Generation",
  "Session",
  "Shop",
  "Subject",
  "TrainingImage",
  "TuningRun",
  "UsageRecord",
  "WebhookEvent",
];

function prisma(args: string[], databaseUrl: string): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, PRISMA_WASM_ENGINE: "1" };
  delete env.PRISMA_SCHEMA_ENGINE_BINARY; // prisma.config.ts must pick the bridge itself
  const cli = path.join(projectRoot, "node_modules", "prisma", "build", "index.js");
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: projectRoot, env }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe("prisma migrate deploy on SQLite", () => {
  it("creates every table in an empty file, then finds no pending migrations", async () => {
    const { url, remove } = freshSqliteUrl();
    cleanups.push(remove);

    const first = await prisma(["migrate", "deploy"], url);
    expect(first.output).toContain("All migrations have been successfully applied.");
    expect(first.code).toBe(0);

    const db = new Database(url.slice("file:".length), { readonly: true });
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all()
      .map((row) => (row as { name: string }).name);
    db.close();
    expect(tables).toEqual([...MODEL_TABLES, "_prisma_migrations"].sort());

    const second = await prisma(["migrate", "deploy"], url);
    expect(second.output).toContain("No pending migrations to apply.");
    expect(second.code).toBe(0);

    const client = createPrismaClient(url);
    expect(await client.subject.count()).toBe(0);
    await client.$disconnect();
  });

  it("has migrations that produce exactly prisma/schema.prisma", async () => {
    const result = await prisma(
      [
        "migrate",
        "diff",
        "--from-migrations",
        "prisma/migrations",
        "--to-schema",
        "prisma/schema.prisma",
        "--exit-code",
      ],
      "file::memory:",
    );
    expect(result.output).toContain("No difference detected.");
    expect(result.code).toBe(0);
  });
});

const postgres = await postgresAvailability();

describe.skipIf(!postgres.available)(
  `prisma migrate deploy on PostgreSQL${postgres.skipReason ? ` (${postgres.skipReason})` : ""}`,
  () => {
    it("creates every table in an empty database, then finds no pending migrations", async () => {
      const database = await createThrowawayPostgresDatabase(testPostgresUrl);
      cleanups.push(database.drop);

      const first = await prisma(["migrate", "deploy"], database.url);
      expect(first.output).toContain("All migrations have been successfully applied.");
      expect(first.code).toBe(0);

      const client = createPrismaClient(database.url);
      const rows = await client.$queryRaw<Array<{ table_name: string }>>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`;
      expect(rows.map((row) => row.table_name)).toEqual([...MODEL_TABLES, "_prisma_migrations"].sort());
      expect(await client.subject.count()).toBe(0);
      await client.$disconnect();

      const second = await prisma(["migrate", "deploy"], database.url);
      expect(second.output).toContain("No pending migrations to apply.");
      expect(second.code).toBe(0);
    });

    it("has migrations that produce exactly prisma/postgres/schema.prisma", async () => {
      const result = await prisma(
        [
          "migrate",
          "diff",
          "--from-migrations",
          "prisma/postgres/migrations",
          "--to-schema",
          "prisma/postgres/schema.prisma",
          "--exit-code",
        ],
        testPostgresUrl,
      );
      expect(result.output).toContain("No difference detected.");
      expect(result.code).toBe(0);
    });
  },
);
