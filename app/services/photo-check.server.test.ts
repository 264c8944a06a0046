import http from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
});
