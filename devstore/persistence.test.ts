import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_SHOP } from "./seed";
import { startTestStore } from "./test-store";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "devstore-persist-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("state file", () => {
  it("keeps products, uploaded media and tokens across a restart", async () => {
    const first = await startTestStore({ dir });
    const created = first.control.createProduct(DEMO_SHOP, { title: "Survivor", productType: "vase" });
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: "#c33" } })
      .png()
      .toBuffer();
    const staged = await first.graphql(
      `mutation { stagedUploadsCreate(input: [{ resource: IMAGE, filename: "a.png", mimeType: "image/png", httpMethod: PUT }]) { stagedTargets { url resourceUrl } } }`,
    );
    const target = staged.body.data.stagedUploadsCreate.stagedTargets[0];
    expect(
      (await fetch(target.url, { method: "PUT", body: new Uint8Array(png), headers: { "Content-Type": "image/png" } }))
        .status,
    ).toBe(200);
    await first.graphql(
      `mutation($id: ID!, $src: String!) { productUpdate(product: { id: $id }, media: [{ originalSource: $src, mediaContentType: IMAGE, alt: "red" }]) { userErrors { message } } }`,
      { id: created.id, src: target.resourceUrl },
    );
    for (let i = 0; i < 500; i++) {
      const { body } = await first.graphql(
        `query($id: ID!) { product(id: $id) { media(first: 1) { nodes { status } } } }`,
        { id: created.id },
      );
      if (body.data.product.media.nodes[0]?.status === "READY") break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await first.close();
    expect(
      JSON.parse(fs.readFileSync(first.statePath, "utf8")).shops[0].products.some(
        (p: { title: string }) => p.title === "Survivor",
      ),
    ).toBe(true);

    const second = await startTestStore({ dir });
    try {
      const old = await second.graphql(`{ shop { name } }`, {}, { token: first.token });
      expect(old.status).toBe(200);
      const { body } = await second.graphql(
        `query($id: ID!) { product(id: $id) { title media(first: 5) { nodes { status alt ... on MediaImage { image { url width } } } } } }`,
        { id: created.id },
      );
      expect(body.data.product.title).toBe("Survivor");
      const media = body.data.product.media.nodes[0];
      expect(media).toMatchObject({ status: "READY", alt: "red", image: { width: 40 } });
      expect(media.image.url.startsWith(second.url)).toBe(true);
      expect((await fetch(media.image.url)).status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it("refuses a file that is not its state, instead of silently reseeding", async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "devstore-bad-"));
    fs.writeFileSync(path.join(other, "state.json"), JSON.stringify({ hello: "world" }));
    await expect(startTestStore({ dir: other })).rejects.toThrow(/not a local store state file/);
    fs.rmSync(other, { recursive: true, force: true });
  });
});
