import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "./db";
import { migratedSqlite, type MigratedSqlite } from "../tests/harness/database";
import { DEFAULT_SCENE_IDS } from "./scenes";
import {
  DEFAULT_SHOP_SETTINGS,
  readShopSettings,
  saveShopSettings,
  ShopSettingsError,
  validateShopSettings,
} from "./shop-settings";

describe("shop settings", () => {
  let client: PrismaClient;
  let database: MigratedSqlite;
  beforeAll(async () => {
    database = await migratedSqlite();
    ({ client } = database);
  });
  afterAll(async () => {
    await database?.close();
  });

  it("reads the defaults for a shop without a row, auto-publish off and the default scene set", async () => {
    const settings = await readShopSettings(client, "new.myshopify.com");
    expect(settings).toEqual({ ...DEFAULT_SHOP_SETTINGS, defaultSceneIds: [...DEFAULT_SCENE_IDS] });
    expect(settings.autoPublish).toBe(false);
    expect(settings.allowLowDiversity).toBe(false);
  });

  it("saves, creating the row, and reads back what was saved; another shop keeps its defaults", async () => {
    const saved = await saveShopSettings(client, "a.myshopify.com", {
      ...DEFAULT_SHOP_SETTINGS,
      autoGenerate: true,
      defaultSceneIds: ["g0", "s10", "g0"],
      imagesPerScene: 2,
      fidelityFloorDino: 0.5,
      allowLowDiversity: true,
      monthlyCapUsd: 25,
    });
    expect(saved.defaultSceneIds).toEqual(["g0", "s10"]);
    expect(saved.allowLowDiversity).toBe(true);
    expect(await readShopSettings(client, "a.myshopify.com")).toEqual(saved);
    expect((await readShopSettings(client, "b.myshopify.com")).autoGenerate).toBe(false);
    await saveShopSettings(client, "a.myshopify.com", { ...saved, autoGenerate: false });
    expect((await readShopSettings(client, "a.myshopify.com")).autoGenerate).toBe(false);
  });

  it("names every invalid field and stores nothing", async () => {
    const bad = {
      ...DEFAULT_SHOP_SETTINGS,
      defaultSceneIds: ["nope"],
      imagesPerScene: 0,
      itmThreshold: 1.5,
      monthlyCapUsd: -1,
    };
    let error: unknown;
    try {
      validateShopSettings(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ShopSettingsError);
    expect(Object.keys((error as ShopSettingsError).fields).sort()).toEqual([
      "defaultSceneIds",
      "imagesPerScene",
      "itmThreshold",
      "monthlyCapUsd",
    ]);
    await expect(saveShopSettings(client, "c.myshopify.com", bad)).rejects.toBeInstanceOf(ShopSettingsError);
    expect(await client.shop.findUnique({ where: { shop: "c.myshopify.com" } })).toBeNull();
  });

  it("quotes unknown scene ids only when they are short plain ids", () => {
    const message = (ids: string[]) => {
      try {
        validateShopSettings({ ...DEFAULT_SHOP_SETTINGS, defaultSceneIds: ids });
      } catch (e) {
        return (e as ShopSettingsError).fields.defaultSceneIds;
      }
    };
    expect(message(["g99", "<script>alert(1)</script>", "x".repeat(10_000)])).toBe(
      "Unknown scenes: g99, 2 values that are not scene ids.",
    );
    expect(message(["nope"])).toBe("Unknown scenes: nope.");
  });

  it("falls back to the default scene set when the stored list is damaged", async () => {
    await client.shop.create({ data: { shop: "d.myshopify.com", defaultSceneIds: "not json" } });
    expect((await readShopSettings(client, "d.myshopify.com")).defaultSceneIds).toEqual([...DEFAULT_SCENE_IDS]);
  });
});
