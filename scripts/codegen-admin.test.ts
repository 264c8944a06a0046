import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { SHOPIFY_API_VERSION } from "../lib/shopify-admin/version";
import { GENERATED_FILE, generate } from "./codegen-admin";

describe("npm run codegen:admin", () => {
  it("matches the committed lib/shopify-admin/generated.ts (run it after editing operations.graphql or the API version)", async () => {
    const generated = await generate();
    expect(generated.split("\n")[0]).toContain(`Admin ${SHOPIFY_API_VERSION} schema`);
    expect(fs.readFileSync(GENERATED_FILE, "utf8")).toBe(generated);
  });
});
