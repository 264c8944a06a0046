// scripts/prepare-database.mjs: idempotent preparation, throwaway PostgreSQL databases.

import fs from "node:fs";

import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";

import { createThrowawayPostgresDatabase, prepareDatabase } from "../../scripts/prepare-database.mjs";
import { createPrismaClient } from "./client";
import { freshSqliteUrl, postgresAvailability, testPostgresUrl } from "../../tests/harness/database";

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function collectingLog() {
  const lines: string[] = [];
  return { lines, log: (line: string) => lines.push(line) };
}

describe("prepareDatabase on SQLite", () => {
  it("creates the folder and migrates, then does nothing the second time", async () => {
    const { url, remove } = freshSqliteUrl();
    cleanups.push(remove);
    const nested = url.replace(/test\.sqlite$/, "nested/dir/test.sqlite");

    const first = collectingLog();
    const result1 = await prepareDatabase({ databaseUrl: nested, log: first.log });
    expect(result1).toMatchObject({ kind: "sqlite", migrated: true });
    expect(first.lines).toContain("Migrations applied.");
    expect(fs.existsSync(nested.slice("file:".length))).toBe(true);

    const db = new Database(nested.slice("file:".length), { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();

    const second = collectingLog();
    const result2 = await prepareDatabase({ databaseUrl: nested, log: second.log });
    expect(result2).toEqual({ kind: "sqlite", generated: false, migrated: false });
    expect(second.lines).toEqual([]); // neither `prisma generate` nor `prisma migrate deploy` ran

    const client = createPrismaClient(nested);
    await client.shop.create({ data: { shop: "alpha.myshopify.com" } });
    expect(await client.shop.findFirst()).toMatchObject({ itmThreshold: 0.9, autoPublish: false, imagesPerScene: 4 });
    await client.$disconnect();
  });

  it("rejects a URL of another database kind", async () => {
    await expect(prepareDatabase({ databaseUrl: "mysql://localhost/db", log: () => {} })).rejects.toThrow(
      /Unsupported database URL/,
    );
  });
});

const postgres = await postgresAvailability();
describe.skipIf(!postgres.available)(
  `prepareDatabase on PostgreSQL${postgres.skipReason ? ` (${postgres.skipReason})` : ""}`,
  () => {
    async function databaseExists(name: string): Promise<boolean> {
      const client = createPrismaClient(testPostgresUrl);
      try {
        const rows = await client.$queryRaw<unknown[]>`SELECT 1 FROM pg_database WHERE datname = ${name}`;
        return rows.length === 1;
      } finally {
        await client.$disconnect();
      }
    }

    it("creates an empty throwaway database and drops it", async () => {
      const database = await createThrowawayPostgresDatabase(testPostgresUrl);
      cleanups.push(database.drop);
      expect(database.name).toMatch(/^scenebooth_test_[0-9a-f]{12}$/);
      expect(new URL(database.url).pathname).toBe(`/${database.name}`);
      expect(await databaseExists(database.name)).toBe(true);

      const client = createPrismaClient(database.url);
      const tables = await client.$queryRaw<unknown[]>`
        SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'`;
      expect(tables).toEqual([]);
      await client.$disconnect();

      await database.drop();
      expect(await databaseExists(database.name)).toBe(false);
    });

    it("migrates an empty database, then does nothing the second time", async () => {
      const database = await createThrowawayPostgresDatabase(testPostgresUrl);
      cleanups.push(database.drop);
      expect(await prepareDatabase({ databaseUrl: database.url, log: () => {} })).toMatchObject({ migrated: true });
      const second = collectingLog();
      expect(await prepareDatabase({ databaseUrl: database.url, log: second.log })).toEqual({
        kind: "postgres",
        generated: false,
        migrated: false,
      });
      expect(second.lines).toEqual([]);
    });
  },
);
