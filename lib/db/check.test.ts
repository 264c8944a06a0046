import { afterAll, describe, expect, it } from "vitest";

import { ConfigError } from "../config";
import { checkDatabase } from "./check";
import {
  freshSqliteUrl,
  migratedTestDatabase,
  postgresAvailability,
  testPostgresUrl,
} from "../../tests/harness/database";

async function failure(url: string): Promise<ConfigError> {
  const error = await checkDatabase(url).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  const message = (error as ConfigError).message;
  expect(message).not.toContain("\n");
  expect(message).not.toMatch(/\bat .*:\d+:\d+/); // no stack frames
  return error as ConfigError;
}

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

describe("checkDatabase on SQLite", () => {
  it("passes for a prepared database", async () => {
    const database = await migratedTestDatabase("sqlite");
    cleanups.push(database.drop);
    await expect(checkDatabase(database.url)).resolves.toBeUndefined();
  });

  it("names the missing file in one line", async () => {
    const { url, remove } = freshSqliteUrl();
    cleanups.push(remove);
    const error = await failure(url);
    expect(error.message).toBe(`Cannot reach the database at ${url}: the file does not exist (run "npm run setup")`);
  });
});

describe("checkDatabase on PostgreSQL", () => {
  it("gives one line without the password when the server is unreachable", async () => {
    const error = await failure("postgresql://scenebooth:s3cret@127.0.0.1:1/scenebooth");
    expect(error.message).toBe(
      "Cannot reach the database at postgresql://scenebooth:***@127.0.0.1:1/scenebooth: no server answers at 127.0.0.1:1 (connection refused or unknown host)",
    );
    expect(error.message).not.toContain("s3cret");
  });

  it("rejects a URL of another kind in one line", async () => {
    const error = await failure("mysql://root@localhost/db");
    expect(error.message).toMatch(
      /^Cannot reach the database at mysql:\/\/root@localhost\/db: Unsupported database URL/,
    );
  });
});

const postgres = await postgresAvailability();
describe.skipIf(!postgres.available)(
  `checkDatabase on a running PostgreSQL${postgres.skipReason ? ` (${postgres.skipReason})` : ""}`,
  () => {
    it("passes for an existing database", async () => {
      await expect(checkDatabase(testPostgresUrl)).resolves.toBeUndefined();
    });

    it("says which database does not exist", async () => {
      const url = new URL(testPostgresUrl);
      url.pathname = "/scenebooth_no_such_database";
      const error = await failure(url.toString());
      expect(error.message).toContain("scenebooth_no_such_database");
    });
  },
);
