import http from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadImage as download, ImageDownloadError, type DownloadOptions } from "./download";
import { imageSourcePolicy, isPrivateAddress } from "./image-source";

let server: http.Server;
let base: string;
let png: Buffer;

beforeAll(async () => {
  png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#123456" } })
    .png()
    .toBuffer();
  server = http.createServer((req, res) => {
    switch (req.url) {
      case "/ok.png":
        return res.writeHead(200, { "Content-Type": "image/png" }).end(png);
      case "/lying.jpg":
        return res.writeHead(200, { "Content-Type": "image/jpeg" }).end("<html>not an image</html>");
      case "/big":
        return res.writeHead(200, { "Content-Length": String(50_000) }).end(Buffer.alloc(50_000));
      case "/big-chunked":
        res.writeHead(200);
        for (let i = 0; i < 20; i++) res.write(Buffer.alloc(5_000, 1));
        return res.end();
      case "/redirect-in":
        return res.writeHead(302, { Location: "/ok.png" }).end();
      case "/redirect-out":
        return res.writeHead(302, { Location: "http://169.254.169.254/latest/meta-data/" }).end();
      case "/redirect-loop":
        return res.writeHead(302, { Location: "/redirect-loop" }).end();
      case "/slow":
        return setTimeout(() => res.writeHead(200).end(png), 2_000);
      default:
        return res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

// The test server plays the local store: its origin is allowed as SHOPIFY_LOCAL_STORE_URL allows it.
const downloadImage = (url: string, options: DownloadOptions = {}) =>
  download(url, { sources: imageSourcePolicy({ SHOPIFY_LOCAL_STORE_URL: base }), ...options });
const code = (p: Promise<unknown>) =>
  p.then(
    () => "no error",
    (e: unknown) => (e instanceof ImageDownloadError ? e.code : String(e)),
  );

describe("downloadImage", () => {
  it("returns the bytes and the type their magic bytes say", async () => {
    const img = await downloadImage(`${base}/ok.png`);
    expect(img.mimeType).toBe("image/png");
    expect(Buffer.compare(img.bytes, png)).toBe(0);
  });

  it("refuses what is not an image whatever the header says, HTTP errors, oversize bodies and slow servers", async () => {
    expect(await code(downloadImage(`${base}/lying.jpg`))).toBe("not-an-image");
    expect(await code(downloadImage(`${base}/missing`))).toBe("http");
    expect(await code(downloadImage(`${base}/big`, { maxBytes: 10_000 }))).toBe("too-large");
    expect(await code(downloadImage(`${base}/big-chunked`, { maxBytes: 10_000 }))).toBe("too-large");
    expect(await code(downloadImage(`${base}/slow`, { timeoutMs: 100 }))).toBe("timeout");
    expect(await code(downloadImage(`${base}/ok.png`, { allowedTypes: ["image/jpeg"] }))).toBe("type-not-allowed");
  });
});

describe("where photos may come from", () => {
  const publicDns = async () => [{ address: "151.101.1.1" }];
  const policy = (env: Record<string, string> = {}, resolve = publicDns) => imageSourcePolicy(env, resolve);
  const allowed = (url: string, p = policy()) =>
    p.check(new URL(url)).then(
      () => "allowed",
      (e: Error) => e.message,
    );

  it("allows Shopify's CDN over https only", async () => {
    expect(await allowed("https://cdn.shopify.com/s/files/1/0/photo.jpg")).toBe("allowed");
    expect(await allowed("http://cdn.shopify.com/s/files/1/0/photo.jpg")).toBe("http://cdn.shopify.com is not https.");
    expect(await allowed("https://attacker.example/photo.jpg")).toMatch(
      /^attacker.example is not a Shopify image host/,
    );
    expect(await allowed("https://cdn.shopify.com.attacker.example/x.jpg")).toMatch(/is not a Shopify image host/);
    expect(
      await allowed("https://images.example.net/x.jpg", policy({ SCENEBOOTH_IMAGE_HOSTS: "images.example.net" })),
    ).toBe("allowed");
  });

  it("refuses a host that resolves to a private, loopback or link-local address", async () => {
    const p = policy({ SCENEBOOTH_IMAGE_HOSTS: "internal.example" }, async () => [
      { address: "151.101.1.1" },
      { address: "10.0.0.7" },
    ]);
    expect(await allowed("https://internal.example/x.jpg", p)).toBe(
      "internal.example resolves to a private address (10.0.0.7).",
    );
    for (const address of [
      "127.0.0.1",
      "169.254.169.254",
      "192.168.1.1",
      "172.20.0.1",
      "::1",
      "fd00::1",
      "fe80::1",
      "::ffff:127.0.0.1",
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    expect(isPrivateAddress("151.101.1.1")).toBe(false);
    expect(isPrivateAddress("2a04:4e42::1")).toBe(false);
  });

  it("checks every redirect's target, and gives up after five", async () => {
    expect((await downloadImage(`${base}/redirect-in`)).mimeType).toBe("image/png");
    const error = await downloadImage(`${base}/redirect-out`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageDownloadError);
    expect((error as ImageDownloadError).code).toBe("source-not-allowed");
    expect((error as Error).message).toBe(
      "Not downloading http://169.254.169.254/latest/meta-data/: http://169.254.169.254 is not https.",
    );
    expect((await code(downloadImage(`${base}/redirect-loop`))) as string).toBe("http");
  });

  it("refuses the test server itself when it is not the configured local store", async () => {
    expect(await code(download(`${base}/ok.png`, { sources: imageSourcePolicy({}) }))).toBe("source-not-allowed");
  });
});
