import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Kind, NoDeprecatedCustomRule, parse, validate, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { loadAdminSchema } from "../../devstore/schema";
import { IDEMPOTENT_MUTATIONS } from "./client";
import { BULK_PRODUCTS_QUERY } from "./bulk";
import { SHOPIFY_API_VERSION } from "./version";

const OPERATIONS_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), "operations.graphql");
const schema = loadAdminSchema(SHOPIFY_API_VERSION);
const document = parse(fs.readFileSync(OPERATIONS_FILE, "utf8"));
const operations = document.definitions.filter(
  (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
);

describe("the app's Admin API documents", () => {
  it(`are valid against Shopify's Admin ${SHOPIFY_API_VERSION} schema`, () => {
    expect(SHOPIFY_API_VERSION).toBe("2026-10");
    expect(validate(schema, document).map((e) => e.message)).toEqual([]);
    expect(operations.map((o) => o.name?.value)).toContain("ProductAddMedia");
  });

  it("use no deprecated field, argument or enum value (Shopify would answer with X-Shopify-API-Deprecated-Reason)", () => {
    expect(validate(schema, document, [NoDeprecatedCustomRule]).map((e) => e.message)).toEqual([]);
    expect(validate(schema, parse(BULK_PRODUCTS_QUERY), [NoDeprecatedCustomRule]).map((e) => e.message)).toEqual([]);
  });

  it("would catch a typo and a deprecated field (the checks are not vacuous)", () => {
    const typo = parse(fs.readFileSync(OPERATIONS_FILE, "utf8").replace("resourceUrl", "resourceURL"));
    expect(validate(schema, typo).map((e) => e.message)).toEqual([
      expect.stringContaining('Cannot query field "resourceURL"'),
    ]);
    const deprecated = parse("query Old { currentBulkOperation(type: QUERY) { id } }");
    expect(validate(schema, deprecated).map((e) => e.message)).toEqual([]);
    expect(validate(schema, deprecated, [NoDeprecatedCustomRule]).map((e) => e.message)).toEqual([
      expect.stringContaining("QueryRoot.currentBulkOperation is deprecated"),
    ]);
  });

  it("include the bulk query the app starts, itself valid", () => {
    expect(validate(schema, parse(BULK_PRODUCTS_QUERY)).map((e) => e.message)).toEqual([]);
  });

  it("mark only existing mutations as idempotent, and not the one that adds media", () => {
    const mutations = operations.filter((o) => o.operation === "mutation").map((o) => o.name!.value);
    for (const name of IDEMPOTENT_MUTATIONS) expect(mutations).toContain(name);
    expect(IDEMPOTENT_MUTATIONS.has("ProductAddMedia")).toBe(false);
    expect(IDEMPOTENT_MUTATIONS.has("BulkOperationRunQuery")).toBe(false);
  });
});
