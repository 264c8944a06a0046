import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { DEMO_SHOP, startDevStore } from "./index";
import { SHOPIFY_API_VERSION } from "../lib/shopify-admin/version";

describe("in-memory store (statePath: null)", () => {
  it("serves the seeded shop, including the corrupt fixture: JPEG magic bytes, undecodable body", async () => {
    const store = await startDevStore({ apiKey: "k", apiSecret: "s", statePath: null, log: () => undefined });
    try {
      const token = store.control.issueAccessToken(DEMO_SHOP);
      const res = await fetch(`${store.url}/admin/api/${SHOPIFY_API_VERSION}/graphql.json`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
        body: JSON.stringify({
          query: `{ products(first: 1, query: "handle:fixture-corrupt-photo") { nodes { media(first: 10) { nodes { ... on MediaImage { image { url } } } } } } }`,
        }),
      });
      const body = (await res.json()) as {
        data: { products: { nodes: { media: { nodes: { image: { url: string } }[] } }[] } };
      };
      const urls = body.data.products.nodes[0]!.media.nodes.map((n) => n.image.url);
      expect(urls).toHaveLength(5);
      const broken = urls.find((u) => u.includes("corrupt-photo.jpg"))!;
      const bytes = Buffer.from(await (await fetch(broken)).arrayBuffer());
      expect([bytes[0], bytes[1], bytes[2]]).toEqual([0xff, 0xd8, 0xff]);
      await expect(sharp(bytes, { failOn: "truncated" }).raw().toBuffer()).rejects.toThrow();
      const good = Buffer.from(await (await fetch(urls[0]!)).arrayBuffer());
      expect((await sharp(good).metadata()).format).toBe("jpeg");
    } finally {
      await store.close();
    }
  });
});
