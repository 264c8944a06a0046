import { readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cropOnTile } from "../components/photo-check-types";
import { previewPhotoCheck } from "./photo-check.server";

let server: http.Server;
let base: string;
let inFlight = 0;
let maxInFlight = 0;
const photos = new Map<string, Buffer>();

beforeAll(async () => {
  for (let i = 0; i < 12; i++) {
    const png = await sharp({
      create: { width: 900, height: 900, channels: 3, background: { r: 20 * i, g: 255 - 20 * i, b: 90 } },
    })
      .png()
      .toBuffer();
    photos.set(`/photo-${i}.png`, png);
  }
  for (const name of ["bottle-portrait", "carton-0", "carton-1"])
    photos.set(
      `/${name}.png`,
      await readFile(path.join(import.meta.dirname, "../../tests/fixtures/packshots", `${name}.png`)),
    );
  server = http.createServer((req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    setTimeout(() => {
      inFlight -= 1;
      const png = photos.get(req.url ?? "");
      if (png) res.writeHead(200, { "Content-Type": "image/png" }).end(png);
      else res.writeHead(404).end();
    }, 50);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The test server plays the local store, whose origin may serve product photos.
  process.env.SHOPIFY_LOCAL_STORE_URL = base;
});
afterAll(async () => {
  delete process.env.SHOPIFY_LOCAL_STORE_URL;
  await new Promise((r) => server.close(r));
});

const pick = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => ({
    mediaId: `gid://shopify/MediaImage/${from + k}`,
    label: `#${from + k}`,
    url: `${base}/photo-${from + k}.png`,
  }));

describe("previewPhotoCheck", () => {
  it("downloads and prepares at most two photos at a time, however many shops check at once", async () => {
    const views = await Promise.all([
      previewPhotoCheck("one.myshopify.com", pick(0, 6)),
      previewPhotoCheck("two.myshopify.com", pick(6, 12)),
      previewPhotoCheck("one.myshopify.com", pick(0, 5)),
    ]);
    expect(views.map((v) => v.photos.length)).toEqual([6, 6, 5]);
    expect(maxInFlight).toBeLessThanOrEqual(2);
  });

  it("shows each photo's training crop: a 2:3 packshot is padded, and the crop covers the whole photo on its tile", async () => {
    const view = await previewPhotoCheck(
      "crops.myshopify.com",
      ["bottle-portrait", "carton-0", "carton-1"].map((name) => ({
        mediaId: name,
        label: name,
        url: `${base}/${name}.png`,
      })),
    );
    const portrait = view.photos.find((p) => p.mediaId === "bottle-portrait")!;
    expect(portrait.plainBackdrop).toBe(true);
    const { box, padding } = portrait.crop!;
    expect(padding.left).toBeGreaterThan(0);
    expect(padding.right).toBeGreaterThan(0);
    // On a square tile the 600×900 photo spans 16.7 %–83.3 % across; the padded crop reaches past it on both sides.
    const onTile = cropOnTile(600, 900, { box, padding });
    expect(onTile.padded).toBe(true);
    expect(onTile.left).toBeLessThan(100 / 6);
    expect(onTile.left + onTile.size).toBeGreaterThan(500 / 6);
    expect(onTile.top).toBeLessThanOrEqual(0);
    const square = view.photos.find((p) => p.mediaId === "carton-0")!;
    expect(square.crop).toEqual({
      box: { left: 0, top: 0, size: 800 },
      padding: { left: 0, top: 0, right: 0, bottom: 0 },
    });
    expect(cropOnTile(800, 800, square.crop!)).toEqual({ left: 0, top: 0, size: 100, padded: false });
  });
});
