import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migratedSqlite, type MigratedSqlite } from "../tests/harness/database";
import {
  createBrandPreset,
  deleteBrandPreset,
  listBrandPresets,
  PRESET_GONE,
  updateBrandPreset,
} from "./brand-presets";
import type { PrismaClient } from "./db";
import { BrandPresetError, MAX_BRAND_PRESETS } from "./scenes";
import { readShopSettings, saveShopSettings, DEFAULT_SHOP_SETTINGS, ShopSettingsError } from "./shop-settings";
import { DEFAULT_SCENE_IDS } from "./scenes";

const A = "presets-a.myshopify.com";
const B = "presets-b.myshopify.com";

describe("brand presets", () => {
  let client: PrismaClient;
  let database: MigratedSqlite;
  beforeAll(async () => {
    database = await migratedSqlite();
    ({ client } = database);
  });
  afterAll(async () => {
    await database?.close();
  });

  it("saves cleaned presets per shop, refuses a name used twice (any case) and more than the limit", async () => {
    const first = await createBrandPreset(client, A, {
      name: "Counter",
      kind: "general",
      text: "on our <i>oak</i> counter",
    });
    expect(first).toMatchObject({
      id: expect.stringMatching(/^p-/),
      name: "Counter",
      kind: "general",
      text: "on our oak counter",
    });
    await expect(
      createBrandPreset(client, A, { name: "COUNTER", kind: "specific", text: "on a counter" }),
    ).rejects.toThrow(new BrandPresetError("There is already a preset called “COUNTER”.", "name"));
    // Another shop has its own names and its own list.
    await createBrandPreset(client, B, { name: "Counter", kind: "general", text: "on their counter" });
    expect((await listBrandPresets(client, A)).map((p) => p.text)).toEqual(["on our oak counter"]);

    for (let i = 1; i < MAX_BRAND_PRESETS; i++)
      await createBrandPreset(client, A, { name: `Scene ${i}`, kind: "general", text: `in room ${i}` });
    await expect(createBrandPreset(client, A, { name: "One more", kind: "general", text: "outside" })).rejects.toThrow(
      /at most 20 brand presets/,
    );
    expect(await client.brandPreset.count({ where: { shop: A } })).toBe(MAX_BRAND_PRESETS);
  });

  it("changes a preset's name and wording under the same scene id; another's name, bad words and another shop's preset are refused", async () => {
    const [counter, second] = await listBrandPresets(client, A);
    const changed = await updateBrandPreset(client, A, counter!.id, {
      name: "Oak counter",
      kind: "specific",
      text: "on our <b>oak</b> counter in the morning light",
    });
    expect(changed).toEqual({
      id: counter!.id,
      name: "Oak counter",
      kind: "specific",
      text: "on our oak counter in the morning light",
    });
    // Its own name in another case is fine; another preset's is not.
    await updateBrandPreset(client, A, counter!.id, { ...changed, name: "OAK COUNTER" });
    await expect(updateBrandPreset(client, A, counter!.id, { ...changed, name: second!.name })).rejects.toThrow(
      new BrandPresetError(`There is already a preset called “${second!.name}”.`, "name"),
    );
    await expect(updateBrandPreset(client, A, counter!.id, { ...changed, text: "   " })).rejects.toThrow(
      BrandPresetError,
    );
    const [theirs] = await listBrandPresets(client, B);
    await expect(updateBrandPreset(client, A, theirs!.id, changed)).rejects.toThrow(new BrandPresetError(PRESET_GONE));
    expect((await listBrandPresets(client, B))[0]).toEqual(theirs);
    expect((await listBrandPresets(client, A))[0]).toMatchObject({ name: "OAK COUNTER", text: changed.text });
  });

  it("deletes only the shop's own preset", async () => {
    const [theirs] = await listBrandPresets(client, B);
    expect(await deleteBrandPreset(client, A, theirs!.id)).toBe(false);
    expect(await client.brandPreset.count({ where: { shop: B } })).toBe(1);
    expect(await deleteBrandPreset(client, B, theirs!.id)).toBe(true);
    expect(await deleteBrandPreset(client, B, theirs!.id)).toBe(false);
  });

  it("can be default scenes; a deleted one leaves them, and another shop's is refused", async () => {
    const [counter] = await listBrandPresets(client, A);
    const saved = await saveShopSettings(client, A, {
      ...DEFAULT_SHOP_SETTINGS,
      defaultSceneIds: [counter!.id, "beach-s", "g7"],
    });
    expect(saved.defaultSceneIds).toEqual([counter!.id, "beach-s", "g7"]);

    const other = await createBrandPreset(client, B, { name: "Shelf", kind: "general", text: "on their shelf" });
    await expect(
      saveShopSettings(client, A, { ...DEFAULT_SHOP_SETTINGS, defaultSceneIds: [other.id] }),
    ).rejects.toThrow(ShopSettingsError);

    await deleteBrandPreset(client, A, counter!.id);
    expect((await readShopSettings(client, A)).defaultSceneIds).toEqual(["beach-s", "g7"]);
    await saveShopSettings(client, B, { ...DEFAULT_SHOP_SETTINGS, defaultSceneIds: [other.id] });
    await deleteBrandPreset(client, B, other.id);
    expect((await readShopSettings(client, B)).defaultSceneIds).toEqual([...DEFAULT_SCENE_IDS]);
  });
});
