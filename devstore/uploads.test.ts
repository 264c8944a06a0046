import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStore, type TestStore } from "./test-store";

let store: TestStore;
let png: Buffer;
beforeAll(async () => {
  store = await startTestStore();
  png = await sharp({ create: { width: 50, height: 40, channels: 3, background: "#0a0" } })
    .png()
    .toBuffer();
});
afterAll(() => store.stop());

async function target(input = `{ resource: IMAGE, filename: "x.png", mimeType: "image/png", httpMethod: POST }`) {
  const { body } = await store.graphql(
    `mutation { stagedUploadsCreate(input: [${input}]) { stagedTargets { url resourceUrl parameters { name value } } userErrors { field message } } }`,
  );
  return body.data.stagedUploadsCreate;
}

function form(parameters: { name: string; value: string }[], file: Uint8Array, change: Record<string, string> = {}) {
  const f = new FormData();
  for (const p of parameters) f.append(p.name, change[p.name] ?? p.value);
  f.append("file", new Blob([new Uint8Array(file)], { type: "image/png" }), "x.png");
  return f;
}

async function waitFor(id: string, statuses: string[]) {
  for (let i = 0; i < 500; i++) {
    const { body } = await store.graphql(
      `query($id: ID!) { node(id: $id) { ... on MediaImage { status fileStatus alt mediaErrors { code } } } }`,
      { id },
    );
    if (statuses.includes(body.data.node.status)) return body.data.node;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`media ${id} never reached ${statuses.join("/")}`);
}

describe("staged uploads", () => {
  it("returns a POST target with form parameters and accepts the multipart upload", async () => {
    const t = (await target()).stagedTargets[0];
    expect(t.parameters.map((p: { name: string }) => p.name)).toEqual([
      "Content-Type",
      "success_action_status",
      "acl",
      "key",
      "x-goog-algorithm",
      "x-goog-date",
      "policy",
      "x-goog-signature",
    ]);
    const res = await fetch(t.url, { method: "POST", body: form(t.parameters, png) });
    expect(res.status).toBe(201);
    expect(await res.text()).toContain("<PostResponse>");
  });

  it("refuses an upload with an altered signature or key, or one bigger than declared", async () => {
    const t = (
      await target(`{ resource: IMAGE, filename: "x.png", mimeType: "image/png", httpMethod: POST, fileSize: "10" }`)
    ).stagedTargets[0];
    expect(
      (await fetch(t.url, { method: "POST", body: form(t.parameters, png, { "x-goog-signature": "0".repeat(64) }) }))
        .status,
    ).toBe(403);
    expect(
      (await fetch(t.url, { method: "POST", body: form(t.parameters, png, { key: "staged/other.png" }) })).status,
    ).toBe(400);
    const tooBig = await fetch(t.url, { method: "POST", body: form(t.parameters, png) });
    expect(tooBig.status).toBe(400);
    expect(await tooBig.text()).toContain("EntityTooLarge");
  });

  it("defaults to a PUT target, as the schema's httpMethod default says", async () => {
    const t = (await target(`{ resource: IMAGE, filename: "x.png", mimeType: "image/png" }`)).stagedTargets[0];
    expect(t.parameters.map((p: { name: string }) => p.name)).toEqual(["content_type", "acl"]);
    expect((await fetch(t.url, { method: "PUT", body: new Uint8Array(png) })).status).toBe(200);
  });

  it("refuses image targets for types Shopify does not take as images", async () => {
    const { userErrors } = await target(`{ resource: IMAGE, filename: "x.svg", mimeType: "image/svg+xml" }`);
    expect(userErrors[0].field).toEqual(["input", "0", "mimeType"]);
  });
});

describe("fileCreate and fileUpdate", () => {
  it("creates a file, refuses updates until READY, then sets alt and attaches it to a product", async () => {
    const t = (await target()).stagedTargets[0];
    await fetch(t.url, { method: "POST", body: form(t.parameters, png) });
    const created = await store.graphql(
      `mutation($src: String!) { fileCreate(files: [{ originalSource: $src, contentType: IMAGE }]) { files { id fileStatus } userErrors { message } } }`,
      { src: t.resourceUrl },
    );
    const file = created.body.data.fileCreate.files[0];
    expect(file.fileStatus).toBe("UPLOADED");

    const early = await store.graphql(
      `mutation($id: ID!) { fileUpdate(files: [{ id: $id, alt: "too soon" }]) { userErrors { code } } }`,
      { id: file.id },
    );
    expect(early.body.data.fileUpdate.userErrors[0].code).toBe("NON_READY_STATE");

    await waitFor(file.id, ["READY"]);
    const { body: products } = await store.graphql(
      `{ products(first: 1, query: "handle:fixture-one-photo") { nodes { id } } }`,
    );
    const productId = products.data.products.nodes[0].id;
    const updated = await store.graphql(
      `mutation($id: ID!, $p: ID!) { fileUpdate(files: [{ id: $id, alt: "green square", referencesToAdd: [$p] }]) { files { alt } userErrors { code message } } }`,
      { id: file.id, p: productId },
    );
    expect(updated.body.data.fileUpdate).toEqual({ files: [{ alt: "green square" }], userErrors: [] });
    const { body } = await store.graphql(
      `query($p: ID!) { product(id: $p) { media(first: 5) { nodes { id alt } } } }`,
      { p: productId },
    );
    expect(body.data.product.media.nodes).toContainEqual({ id: file.id, alt: "green square" });
  });

  it("reports a missing file and a missing product as userErrors", async () => {
    const { body } = await store.graphql(
      `mutation { fileUpdate(files: [{ id: "gid://shopify/MediaImage/1", alt: "x" }]) { userErrors { code field } } }`,
    );
    expect(body.data.fileUpdate.userErrors).toEqual([{ code: "FILE_DOES_NOT_EXIST", field: ["files", "0", "id"] }]);
  });
});
