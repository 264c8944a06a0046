// A local HTTP server playing the store's file host for photo checks: it serves the PNGs it is given
// by path, and is allowed as an image source (SHOPIFY_LOCAL_STORE_URL) while it runs.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface PhotoServer {
  base: string;
  /** Serves `png` at `/<name>.png` and returns its URL. */
  add(name: string, png: Buffer): string;
  close(): Promise<void>;
}

export async function photoServer(): Promise<PhotoServer> {
  const photos = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    const png = photos.get(req.url ?? "");
    if (png) res.writeHead(200, { "Content-Type": "image/png" }).end(png);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const previous = process.env.SHOPIFY_LOCAL_STORE_URL;
  process.env.SHOPIFY_LOCAL_STORE_URL = base;
  return {
    base,
    add(name, png) {
      photos.set(`/${name}.png`, png);
      return `${base}/${name}.png`;
    },
    async close() {
      if (previous === undefined) delete process.env.SHOPIFY_LOCAL_STORE_URL;
      else process.env.SHOPIFY_LOCAL_STORE_URL = previous;
      await new Promise((r) => server.close(r));
    },
  };
}
