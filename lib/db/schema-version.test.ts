import Database from "better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../config";
import { checkSchemaCurrent, requiredMigrations } from "./schema-version";
import { freshSqliteUrl, migratedTestDatabase, postgresAvailability } from "../../tests/harness/database";
import { sqliteFilePath } from "./url.mjs";

const postgres = await postgresAvailability();

describe.each([
  ["sqlite", true],
  ["postgres", postgres.available],
] as const)("checkSchemaCurrent on %s", (kind, available) => {
  const drops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const drop of drops) await drop();
  });

  it.skipIf(!available)("passes on a database with every migration, refuses one that lacks the newest", async () => {
    const database = await migratedTestDatabase(kind);
    drops.push(database.drop);
    await expect(checkSchemaCurrent(database.url)).resolves.toBeUndefined();

    const newest = requiredMigrations(database.url).at(-1)!;
    const sql = `DELETE FROM _prisma_migrations WHERE migration_name = '${newest}'`;
    if (kind === "sqlite") {
      const db = new Database(sqliteFilePath(database.url));
      db.exec(sql);
      db.close();
    } else {
      const adapter = await new PrismaPg({ connectionString: database.url }).connect();
      await adapter.executeScript(sql);
      await adapter.dispose();
    }
    const error = await checkSchemaCurrent(database.url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(
      `lacks 1 migration(s) this release needs (${newest}): run "npm run db:deploy" first.`,
    );
  });
});

it("refuses a database that was never migrated", async () => {
  const { url, remove } = freshSqliteUrl();
  new Database(sqliteFilePath(url)).close();
  try {
    await expect(checkSchemaCurrent(url)).rejects.toThrow(/lacks \d+ migration\(s\)/);
  } finally {
    remove();
  }
});
