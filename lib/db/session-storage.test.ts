// Shopify's PrismaSessionStorage on our schema, with our clients, on SQLite and PostgreSQL.

import { Session } from "@shopify/shopify-api";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import type { PrismaClient as SessionStoragePrismaClient } from "@prisma/client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { createPrismaClient, type PrismaClient } from "./client";
import { migratedTestDatabase, postgresAvailability, type TestDatabaseKind } from "../../tests/harness/database";

function offlineSession(shop: string): Session {
  return new Session({
    id: `offline_${shop}`,
    shop,
    state: "state-offline",
    isOnline: false,
    scope: "read_products,write_products,write_files",
    accessToken: `shpat_${shop}`,
  });
}

function onlineSession(shop: string): Session {
  return new Session({
    id: `${shop}_902541635`,
    shop,
    state: "state-online",
    isOnline: true,
    scope: "read_products",
    accessToken: `shpua_${shop}`,
    expires: new Date(Date.now() + 3_600_000),
    refreshToken: "refresh-token",
    refreshTokenExpires: new Date(Date.now() + 7_200_000),
    onlineAccessInfo: {
      expires_in: 3600,
      associated_user_scope: "read_products",
      associated_user: {
        id: 902541635,
        first_name: "Ada",
        last_name: "Lovelace",
        email: "ada@example.com",
        email_verified: true,
        account_owner: true,
        locale: "en",
        collaborator: false,
      },
    },
  });
}

function exerciseStorage(kind: TestDatabaseKind) {
  let client: PrismaClient;
  let drop: () => Promise<void>;
  let storage: PrismaSessionStorage<SessionStoragePrismaClient>;

  beforeAll(async () => {
    const database = await migratedTestDatabase(kind);
    drop = database.drop;
    client = createPrismaClient(database.url);
    storage = new PrismaSessionStorage(client as unknown as SessionStoragePrismaClient, { connectionRetries: 1 });
    expect(await storage.isReady()).toBe(true);
  });
  afterAll(async () => {
    await client?.$disconnect();
    await drop?.();
  });

  it("stores and loads offline and online sessions unchanged", async () => {
    const offline = offlineSession("alpha.myshopify.com");
    const online = onlineSession("alpha.myshopify.com");
    expect(await storage.storeSession(offline)).toBe(true);
    expect(await storage.storeSession(online)).toBe(true);

    const loadedOffline = await storage.loadSession(offline.id);
    expect(loadedOffline?.equals(offline)).toBe(true);
    const loadedOnline = await storage.loadSession(online.id);
    expect(loadedOnline?.equals(online)).toBe(true);
    expect(loadedOnline?.onlineAccessInfo?.associated_user.id).toBe(902541635);
    expect(loadedOnline?.onlineAccessInfo?.associated_user.email).toBe("ada@example.com");
    expect(loadedOnline?.refreshToken).toBe("refresh-token");

    const row = await client.session.findUniqueOrThrow({ where: { id: online.id } });
    expect(row.userId).toBe(902541635n);
  });

  it("overwrites a stored session (upsert)", async () => {
    const session = offlineSession("alpha.myshopify.com");
    session.accessToken = "shpat_rotated";
    await storage.storeSession(session);
    expect((await storage.loadSession(session.id))?.accessToken).toBe("shpat_rotated");
    expect(await client.session.count({ where: { id: session.id } })).toBe(1);
  });

  it("finds sessions by shop, and only that shop's", async () => {
    await storage.storeSession(offlineSession("beta.myshopify.com"));
    const alpha = await storage.findSessionsByShop("alpha.myshopify.com");
    expect(alpha.map((s) => s.id).sort()).toEqual(["alpha.myshopify.com_902541635", "offline_alpha.myshopify.com"]);
    const beta = await storage.findSessionsByShop("beta.myshopify.com");
    expect(beta.map((s) => s.id)).toEqual(["offline_beta.myshopify.com"]);
  });

  it("deletes sessions", async () => {
    expect(await storage.deleteSession("offline_alpha.myshopify.com")).toBe(true);
    expect(await storage.loadSession("offline_alpha.myshopify.com")).toBeUndefined();
    expect(await storage.deleteSession("never-stored")).toBe(true);
    expect(await storage.deleteSessions(["alpha.myshopify.com_902541635", "offline_beta.myshopify.com"])).toBe(true);
    expect(await client.session.count()).toBe(0);
  });
}

describe("PrismaSessionStorage on SQLite", () => exerciseStorage("sqlite"));

const postgres = await postgresAvailability();
describe.skipIf(!postgres.available)(
  `PrismaSessionStorage on PostgreSQL${postgres.skipReason ? ` (${postgres.skipReason})` : ""}`,
  () => exerciseStorage("postgres"),
);

describe("app/db.server.ts", () => {
  it("default-exports a client that PrismaSessionStorage accepts", async () => {
    const database = await migratedTestDatabase("sqlite");
    vi.stubEnv("DATABASE_URL", database.url);
    try {
      const { default: prisma } = await import("../../app/db.server");
      const { disconnectDb } = await import("./index");
      const storage = new PrismaSessionStorage(prisma, { connectionRetries: 1 });
      const session = offlineSession("gamma.myshopify.com");
      await storage.storeSession(session);
      expect((await storage.loadSession(session.id))?.equals(session)).toBe(true);
      await disconnectDb();
      // It went to DATABASE_URL's database.
      const direct = createPrismaClient(database.url);
      expect(await direct.session.count({ where: { id: session.id } })).toBe(1);
      await direct.$disconnect();
    } finally {
      vi.unstubAllEnvs();
      await database.drop();
    }
  });
});
