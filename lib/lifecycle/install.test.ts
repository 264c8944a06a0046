import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../db";
import { migratedSqlite, type MigratedSqlite } from "../../tests/harness/database";
import { markUninstalled, recordInstall, triggeredAtOf, uninstallIsStale } from "./install";

const SHOP = "install-a.myshopify.com";
let client: PrismaClient;
let database: MigratedSqlite;

beforeAll(async () => {
  database = await migratedSqlite();
  ({ client } = database);
});
afterAll(async () => {
  await database?.close();
});

const at = (iso: string) => new Date(iso);

describe("install times and late uninstalls", () => {
  it("an uninstall before the current install is stale; one after it is not", async () => {
    await recordInstall(client, SHOP, at("2026-12-06T10:00:00Z"));
    expect(await uninstallIsStale(client, SHOP, at("2026-12-06T09:59:59Z"))).toBe(true);
    expect(await uninstallIsStale(client, SHOP, at("2026-12-06T10:00:01Z"))).toBe(false);
  });

  it("a new token for an installed shop keeps its install time; after an uninstall it starts a new install", async () => {
    await recordInstall(client, SHOP, at("2026-12-06T11:00:00Z"));
    expect((await client.shop.findUniqueOrThrow({ where: { shop: SHOP } })).installedAt.toISOString()).toBe(
      "2026-12-06T10:00:00.000Z",
    );
    await markUninstalled(client, SHOP, at("2026-12-06T12:00:00Z"));
    await recordInstall(client, SHOP, at("2026-12-06T12:05:00Z"));
    const row = await client.shop.findUniqueOrThrow({ where: { shop: SHOP } });
    expect(row.installedAt.toISOString()).toBe("2026-12-06T12:05:00.000Z");
    expect(row.uninstalledAt).toBeNull();
    // Shopify's retry of the 12:00 uninstall, delivered after the reinstall.
    expect(await uninstallIsStale(client, SHOP, at("2026-12-06T12:00:00Z"))).toBe(true);
  });

  it("a shop without a row has no install to protect; a missing or bad header means now", async () => {
    expect(await uninstallIsStale(client, "nobody.myshopify.com", at("2026-12-06T12:00:00Z"))).toBe(false);
    const now = new Date("2026-12-06T13:00:00Z");
    expect(triggeredAtOf(undefined, now)).toBe(now);
    expect(triggeredAtOf("not a date", now)).toBe(now);
    expect(triggeredAtOf("2026-12-06T12:00:00.000Z", now).toISOString()).toBe("2026-12-06T12:00:00.000Z");
  });
});
