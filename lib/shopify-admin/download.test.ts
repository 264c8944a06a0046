import http from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadImage, ImageDownloadError } from "./download";

let server: http.Server;
let base: string;
let png: Buffer;

beforeAll(async () => {
  png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#123456" } }).png().toBuffer();
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

const code = (p: Promise<unknown>) => p.then(() => "no error", (e: unknown) => (e instanceof ImageDownloadError ? e.code : String(e)));

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
