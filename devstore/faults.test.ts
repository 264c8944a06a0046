// Fault injection aimed at one GraphQL operation, lost answers, media downloads, and bad files added as media.
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP } from "./seed";
import { startTestStore, type TestStore } from "./test-store";

let store: TestStore;
beforeAll(async () => {
  store = await startTestStore();
});
afterAll(() => store.stop());

const firstProduct = async () =>
  (await store.graphql(`{ products(first: 1, query: "title:Teapot") { nodes { id title } } }`)).body.data.products
    .nodes[0] as { id: string; title: string };
const rename = (id: string, title: string) =>
  store.graphql(
    `mutation($p: ProductUpdateInput!) { productUpdate(product: $p) { product { title } userErrors { message } } }`,
    { p: { id, title } },
  );

describe("faults", () => {
  it("a fault for one operation lets other operations through and hits the named one", async () => {
    const teapot = await firstProduct();
    store.control.injectFault({ kind: "status", status: 502 }, { operation: "productUpdate" });
    expect((await firstProduct()).id).toBe(teapot.id);
    expect((await rename(teapot.id, "Teapot")).status).toBe(502);
    expect(store.control.pendingFaults()).toEqual([]);
  });

  it("a lost answer runs the mutation and closes the connection without a response", async () => {
    const teapot = await firstProduct();
    store.control.injectFault({ kind: "lost-answer" }, { operation: "productUpdate" });
    await expect(rename(teapot.id, "Teapot (renamed)")).rejects.toThrow(/fetch failed/);
    expect((await store.graphql(`{ product(id: "${teapot.id}") { title } }`)).body.data.product.title).toBe(
      "Teapot (renamed)",
    );
    await rename(teapot.id, "Teapot");
  });

  it("a media download (CDN) can fail, once", async () => {
    const { body } = await store.graphql(
      `{ products(first: 1, query: "title:Teapot") { nodes { media(first: 1) { nodes { ... on MediaImage { image { url } } } } } } }`,
    );
    const url = body.data.products.nodes[0].media.nodes[0].image.url as string;
    store.control.injectFault({ kind: "status", status: 503 }, { route: "cdn" });
    expect((await fetch(url)).status).toBe(503);
    expect((await fetch(url)).status).toBe(200);
  });

  it("refuses an operation name that is not a GraphQL name", () => {
    expect(() => store.control.injectFault({ kind: "drop" }, { operation: "a|b" })).toThrow(/GraphQL name/);
  });
});

describe("addImageFile", () => {
  it("processes the bytes as Shopify would, or lists them READY as they are", async () => {
    const teapot = await firstProduct();
    const before = store.control.productMedia(DEMO_SHOP, teapot.id).length;
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    const refused = await store.control.addImageFile(DEMO_SHOP, teapot.id, {
      filename: "a.svg",
      bytes: svg,
      processing: "checked",
    });
    expect(refused).toMatchObject({
      status: "FAILED",
      errors: [expect.stringMatching(/^UNSUPPORTED_IMAGE_FILE_TYPE/)],
    });
    const listed = await store.control.addImageFile(DEMO_SHOP, teapot.id, {
      filename: "a.svg",
      bytes: svg,
      processing: "listed-ready",
    });
    expect(listed.status).toBe("READY");
    const png = await sharp({ create: { width: 300, height: 300, channels: 3, background: "#f00" } })
      .png()
      .toBuffer();
    const accepted = await store.control.addImageFile(DEMO_SHOP, teapot.id, {
      filename: "red.png",
      bytes: png,
      processing: "checked",
    });
    expect(accepted.status).toBe("READY");
    const media = store.control.productMedia(DEMO_SHOP, teapot.id);
    expect(media.slice(before).map((m) => [m.filename, m.status])).toEqual([
      ["a.svg", "FAILED"],
      ["a.svg", "READY"],
      ["red.png", "READY"],
    ]);
    const { body } = await store.graphql(`query($id: ID!) { node(id: $id) { ... on MediaImage { image { url } } } }`, {
      id: listed.mediaId,
    });
    expect(Buffer.from(await (await fetch(body.data.node.image.url)).arrayBuffer())).toEqual(svg);
  });
});
