import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP, OTHER_SHOP } from "./seed";
import { startTestStore, type TestStore } from "./test-store";

let store: TestStore;
beforeAll(async () => {
  store = await startTestStore();
});
afterAll(() => store.stop());

describe("schema validation, as Shopify's server does it", () => {
  it("rejects a field that the Admin schema does not have, in Shopify's words", async () => {
    const { status, body } = await store.graphql(`{ products(first: 1) { nodes { id titel } } }`);
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(body.errors[0]).toMatchObject({
      message: "Field 'titel' doesn't exist on type 'Product'",
      extensions: { code: "undefinedField" },
    });
  });

  it("rejects an argument that the field does not take, and a missing required one", async () => {
    const bad = await store.graphql(`{ products(first: 1, sort: TITLE) { nodes { id } } }`);
    expect(bad.body.errors[0]).toMatchObject({
      message: "Field 'products' doesn't accept argument 'sort'",
      extensions: { code: "argumentNotAccepted" },
    });
    const missing = await store.graphql(`{ product { id } }`);
    expect(missing.body.errors[0].message).toBe("Field 'product' is missing required arguments: id");
  });

  it("rejects productCreateMedia's arguments on productUpdate (the schema's current shape)", async () => {
    const { body } = await store.graphql(
      `mutation { productUpdate(productId: "gid://shopify/Product/1", media: []) { userErrors { message } } }`,
    );
    expect(body.errors[0].extensions.code).toBe("argumentNotAccepted");
  });

  it("answers a field the stand-in does not serve with a clear error, not a silent null", async () => {
    const { body } = await store.graphql(`{ orders(first: 1) { nodes { id } } }`);
    expect(body.errors[0].message).toMatch(/QueryRoot\.orders is not implemented by the local store/);
    expect(body.errors[0].extensions.code).toBe("NOT_IMPLEMENTED_BY_LOCAL_STORE");
  });
});

describe("products, product, nodes", () => {
  it("pages through every product with first/after and reports the cost of each page", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const { body } = await store.graphql(
        `query($after: String) { products(first: 4, after: $after) { pageInfo { hasNextPage endCursor } nodes { id title } } }`,
        { after },
      );
      expect(body.extensions.cost).toMatchObject({
        requestedQueryCost: 2 + 4 * 1,
        throttleStatus: { maximumAvailable: 2000, restoreRate: 100 },
      });
      seen.push(...body.data.products.nodes.map((n: { id: string }) => n.id));
      if (!body.data.products.pageInfo.hasNextPage) break;
      after = body.data.products.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(21);
    expect(new Set(seen).size).toBe(21);
  });

  it("filters by product type and title like Shopify's search syntax", async () => {
    const toys = await store.graphql(
      `{ products(first: 50, query: "product_type:toy") { nodes { title productType } } }`,
    );
    expect(toys.body.data.products.nodes.map((n: { title: string }) => n.title).sort()).toEqual([
      "Duck Toy",
      "Monster Toy",
      "Poop Emoji",
      "Rc Car",
      "Robot Toy",
    ]);
    const plush = await store.graphql(
      `{ products(first: 50, query: "product_type:'stuffed animal' title:bear") { nodes { title } } }`,
    );
    expect(plush.body.data.products.nodes).toEqual([{ title: "Bear Plushie" }]);
  });

  it("requires first or last on connections", async () => {
    const { body } = await store.graphql(`{ products { nodes { id } } }`);
    expect(body.errors[0].message).toBe("you must provide one of first or last");
  });

  it("serves product media with image URLs the store itself serves", async () => {
    const { body } = await store.graphql(
      `{ products(first: 1, query: "handle:teapot") { nodes { id mediaCount { count } media(first: 10) { nodes { status ... on MediaImage { image { url width height } } } } } } }`,
    );
    const product = body.data.products.nodes[0];
    expect(product.mediaCount.count).toBe(5);
    const image = product.media.nodes[0].image;
    const res = await fetch(image.url);
    expect(res.headers.get("content-type")).toBe("image/jpeg");
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);

    const byNode = await store.graphql(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Product { title } } }`, {
      ids: [product.id, "gid://shopify/Product/1"],
    });
    expect(byNode.body.data.nodes).toEqual([{ title: "Teapot" }, null]);
  });

  it("holds videos, external videos and 3D models as Shopify models them; media_type:IMAGE lists the images only", async () => {
    const { id } = store.control.createProduct(DEMO_SHOP, {
      title: "Spinning teapot",
      otherMedia: [
        { mediaContentType: "VIDEO", originalSource: "https://cdn.example.com/spin.mp4" },
        { mediaContentType: "EXTERNAL_VIDEO", originalSource: "https://vimeo.com/76979871" },
        { mediaContentType: "MODEL_3D", originalSource: "https://cdn.example.com/teapot.glb" },
      ],
    });
    const { body } = await store.graphql(
      `query($id: ID!) { product(id: $id) { mediaCount { count }
        media(first: 10) { nodes { id mediaContentType status preview { status }
          ... on Video { filename sources { url mimeType format width height } }
          ... on ExternalVideo { host originUrl embedUrl }
          ... on Model3d { filename sources { url mimeType format filesize } } } }
        images: media(first: 10, query: "media_type:IMAGE") { nodes { id } } } }`,
      { id },
    );
    expect(body.errors).toBeUndefined();
    const { mediaCount, media, images } = body.data.product;
    expect(mediaCount.count).toBe(3);
    expect(images.nodes).toEqual([]);
    expect(media.nodes.map((m: { mediaContentType: string }) => m.mediaContentType)).toEqual([
      "VIDEO",
      "EXTERNAL_VIDEO",
      "MODEL_3D",
    ]);
    expect(media.nodes[0]).toMatchObject({
      id: expect.stringMatching(/^gid:\/\/shopify\/Video\/\d+$/),
      status: "READY",
      filename: "spin.mp4",
      sources: [{ url: "https://cdn.example.com/spin.mp4", mimeType: "video/mp4", format: "mp4" }],
    });
    expect(media.nodes[1]).toMatchObject({ host: "VIMEO", originUrl: "https://vimeo.com/76979871" });
    expect(media.nodes[2]).toMatchObject({ filename: "teapot.glb", sources: [{ mimeType: "model/gltf-binary" }] });
    const node = await store.graphql(`query($id: ID!) { node(id: $id) { ... on Model3d { filename } } }`, {
      id: media.nodes[2].id,
    });
    expect(node.body.data.node).toEqual({ filename: "teapot.glb" });

    // productUpdate takes them too; an external video must be on YouTube or Vimeo.
    const update = await store.graphql(
      `mutation($id: ID!) { productUpdate(product: { id: $id }, media: [{ originalSource: "https://example.com/x", mediaContentType: EXTERNAL_VIDEO }]) { userErrors { field message } } }`,
      { id },
    );
    expect(update.body.data.productUpdate.userErrors).toEqual([
      { field: ["media", "0", "originalSource"], message: "External video URL is invalid" },
    ]);
  });

  it("seeds the fixtures with zero, one and twelve photos and a corrupt file", async () => {
    const { body } = await store.graphql(
      `{ products(first: 10, query: "product_type:fixture") { nodes { handle mediaCount { count } } } }`,
    );
    const counts = Object.fromEntries(
      body.data.products.nodes.map((n: { handle: string; mediaCount: { count: number } }) => [
        n.handle,
        n.mediaCount.count,
      ]),
    );
    expect(counts).toEqual({
      "fixture-zero-photos": 0,
      "fixture-one-photo": 1,
      "fixture-twelve-photos": 12,
      "fixture-corrupt-photo": 5,
    });
  });
});

describe("access tokens and shops", () => {
  it("answers an unknown token with 401, as Shopify does", async () => {
    const { status, body } = await store.graphql(`{ shop { name } }`, {}, { token: "shpat_unknown" });
    expect(status).toBe(401);
    expect(body.errors).toMatch(/Invalid API key or access token/);
  });

  it("keeps shops apart: a token works for its own shop only", async () => {
    const otherToken = store.control.issueAccessToken(OTHER_SHOP);
    const other = await store.graphql(
      `{ products(first: 10) { nodes { title } } }`,
      {},
      { token: otherToken, shop: OTHER_SHOP },
    );
    expect(other.body.data.products.nodes.map((n: { title: string }) => n.title)).toEqual([
      "Teapot (other shop)",
      "Vase (other shop)",
    ]);
    const crossed = await store.graphql(`{ shop { name } }`, {}, { token: otherToken, shop: DEMO_SHOP });
    expect(crossed.status).toBe(401);
  });
});

describe("cost and limits", () => {
  it("refuses a query above the single-query cost limit", async () => {
    const { body } = await store.graphql(`{ products(first: 250) { nodes { media(first: 10) { nodes { id } } } } }`);
    expect(body.errors[0].extensions.code).toBe("MAX_COST_EXCEEDED");
    expect(body.extensions.cost.requestedQueryCost).toBe(2 + 250 * (1 + 2 + 10));
  });

  it("charges what was returned, not what was asked for", async () => {
    const { body } = await store.graphql(`{ products(first: 50, query: "handle:vase") { nodes { id } } }`);
    expect(body.extensions.cost.requestedQueryCost).toBe(52);
    expect(body.extensions.cost.actualQueryCost).toBe(3);
  });

  it("answers THROTTLED once the bucket is empty", async () => {
    store.control.setAvailable(DEMO_SHOP, 0);
    const { status, body } = await store.graphql(`{ products(first: 10) { nodes { id } } }`);
    expect(status).toBe(200);
    expect(body.errors[0]).toMatchObject({ message: "Throttled", extensions: { code: "THROTTLED" } });
    expect(body.extensions.cost).toMatchObject({ requestedQueryCost: 12, actualQueryCost: null });
    store.control.setAvailable(DEMO_SHOP, 2000);
  });
});
