import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP } from "../../devstore/seed";
import { startTestStore, type TestStore } from "../../devstore/test-store";
import { AdminClient } from "./client";
import { downloadImage } from "./download";
import { imageSourcePolicy } from "./image-source";
import { AdminApiError } from "./errors";
import { ProductAddMediaDocument, ProductsPageDocument, ProductWithMediaDocument } from "./generated";
import { publishProductImage } from "./publish";

let store: TestStore;
let client: AdminClient;
let productId: string;

beforeAll(async () => {
  store = await startTestStore();
  client = new AdminClient({ shop: DEMO_SHOP, accessToken: store.token, env: { SHOPIFY_LOCAL_STORE_URL: store.url } });
  const { products } = await client.request(ProductsPageDocument, {
    first: 1,
    mediaFirst: 1,
    query: "handle:fixture-zero-photos",
  });
  productId = products.nodes[0]!.id;
});
afterAll(() => store.stop());

async function png(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 37) % 251;
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

describe("publishing a generated image to a product", () => {
  it("goes staged upload → productUpdate → READY and ends as product media with alt text", async () => {
    const bytes = await png(320, 200);
    const published = await publishProductImage(client, {
      productId,
      bytes,
      filename: "scene-beach.png",
      mimeType: "image/png",
      alt: "Teapot on the beach",
      pollIntervalMs: 10,
    });
    expect(published).toMatchObject({ width: 320, height: 200, alt: "Teapot on the beach" });

    const { product } = await client.request(ProductWithMediaDocument, { id: productId, mediaFirst: 10 });
    expect(product!.media.nodes).toHaveLength(1);
    expect(product!.media.nodes[0]).toMatchObject({
      id: published.mediaId,
      status: "READY",
      alt: "Teapot on the beach",
      mediaContentType: "IMAGE",
      mimeType: "image/png",
    });

    const served = await downloadImage(published.url, {
      sources: imageSourcePolicy({ SHOPIFY_LOCAL_STORE_URL: store.url }),
    });
    expect(served.mimeType).toBe("image/png");
    expect(Buffer.compare(served.bytes, bytes)).toBe(0);
  });

  it("passes through UPLOADED and PROCESSING before READY", async () => {
    const seen: string[] = [];
    const watching = (async () => {
      for (let i = 0; i < 200; i++) {
        const { product } = await client.request(ProductWithMediaDocument, { id: productId, mediaFirst: 10 });
        const last = product!.media.nodes[product!.media.nodes.length - 1];
        if (product!.media.nodes.length === 2 && last && seen[seen.length - 1] !== last.status) seen.push(last.status);
        if (seen.includes("READY")) return;
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    await publishProductImage(client, {
      productId,
      bytes: await png(64, 64),
      filename: "two.png",
      mimeType: "image/png",
      alt: "second",
      pollIntervalMs: 5,
    });
    await watching;
    expect(seen.slice(-2)).toEqual(["PROCESSING", "READY"]);
  });

  it("ends FAILED, and says why, for a file that is not an image", async () => {
    const err = await publishProductImage(client, {
      productId,
      bytes: Buffer.from("not a picture at all"),
      filename: "notes.png",
      mimeType: "image/png",
      alt: "x",
      pollIntervalMs: 10,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminApiError);
    expect((err as Error).message).toMatch(/UNSUPPORTED_IMAGE_FILE_TYPE/);
    // The publish job must not try again: each try would leave another failed media.
    expect((err as { retryable?: boolean }).retryable).toBe(false);
  });

  it("enforces Shopify's 4472 x 4472 limit", async () => {
    const big = await sharp({ create: { width: 4600, height: 4500, channels: 3, background: "#336699" } })
      .png()
      .toBuffer();
    const err = await publishProductImage(client, {
      productId,
      bytes: big,
      filename: "huge.png",
      mimeType: "image/png",
      alt: "x",
      pollIntervalMs: 10,
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/INVALID_IMAGE_RESOLUTION/);
  });

  it("refuses a declared file over 20 MB before any upload", async () => {
    const err = await publishProductImage(client, {
      productId,
      bytes: Buffer.alloc(21 * 1024 * 1024),
      filename: "big.png",
      mimeType: "image/png",
      alt: "x",
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /stagedUploadsCreate was refused: input\.0\.fileSize: File size exceeds the 20 MB limit/,
    );
  });

  // Shopify answers productUpdate with the product as it is when the answer is read: another job's
  // image added to the same product in between is then the last media. This client plays that
  // interleaving against the local store (which runs each mutation alone).
  it("two images published to one product at once each get their own media id", async () => {
    const { id: shared } = store.control.createProduct(DEMO_SHOP, { title: "Two jobs", productType: "teapot" });
    const interleaving = {
      async request(document: unknown, variables: Record<string, unknown>) {
        const answer = await client.request(document as never, variables as never);
        if (document !== ProductAddMediaDocument) return answer;
        await publishProductImage(client, {
          productId: shared,
          bytes: await png(48, 48),
          filename: "other-job.png",
          mimeType: "image/png",
          alt: "other job",
          pollIntervalMs: 5,
        });
        const { product } = await client.request(ProductWithMediaDocument, { id: shared, mediaFirst: 50 });
        const latest = product!.media.nodes.slice(-Number(variables.added));
        return { productUpdate: { product: { id: shared, media: { nodes: latest } }, userErrors: [] } };
      },
    } as unknown as AdminClient;
    const mine = await publishProductImage(interleaving, {
      productId: shared,
      bytes: await png(40, 40),
      filename: "this-job.png",
      mimeType: "image/png",
      alt: "this job",
      pollIntervalMs: 5,
    });
    const { product } = await client.request(ProductWithMediaDocument, { id: shared, mediaFirst: 50 });
    const byId = new Map(product!.media.nodes.map((m) => [m.id, m]));
    const media = byId.get(mine.mediaId) as { image?: { url: string } | null; alt?: string | null };
    expect(media.image?.url).toMatch(/\/this-job\.png/);
    expect(mine).toMatchObject({ width: 40, height: 40, alt: "this job" });
    const other = product!.media.nodes.find((m) => m.id !== mine.mediaId) as { alt?: string | null };
    expect(other.alt).toBe("other job");
  });
});
