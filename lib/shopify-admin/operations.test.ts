import fs from "node:fs";
import { Kind, parse, validate, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { loadAdminSchema } from "../../devstore/schema";
import { GENERATED_FILE, generate, OPERATIONS_FILE } from "./codegen";
import { IDEMPOTENT_MUTATIONS } from "./client";
import { BULK_PRODUCTS_QUERY } from "./bulk";

const schema = loadAdminSchema();
const document = parse(fs.readFileSync(OPERATIONS_FILE, "utf8"));
const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);

describe("the app's Admin API documents", () => {
  it("are valid against Shopify's Admin 2025-01 schema", () => {
    expect(validate(schema, document).map((e) => e.message)).toEqual([]);
    expect(operations.map((o) => o.name?.value)).toContain("ProductAddMedia");
  });

  it("would catch a typo (the check is not vacuous)", () => {
    const typo = parse(fs.readFileSync(OPERATIONS_FILE, "utf8").replace("resourceUrl", "resourceURL"));
    expect(validate(schema, typo).map((e) => e.message)).toEqual([expect.stringContaining('Cannot query field "resourceURL"')]);
  });

  it("include the bulk query the app starts, itself valid", () => {
    expect(validate(schema, parse(BULK_PRODUCTS_QUERY)).map((e) => e.message)).toEqual([]);
  });

  it("match the committed generated types (run `npx tsx lib/shopify-admin/codegen.ts` after editing operations.graphql)", async () => {
    expect(fs.readFileSync(GENERATED_FILE, "utf8")).toBe(await generate());
  });

  it("mark only existing mutations as idempotent, and not the one that adds media", () => {
    const mutations = operations.filter((o) => o.operation === "mutation").map((o) => o.name!.value);
    for (const name of IDEMPOTENT_MUTATIONS) expect(mutations).toContain(name);
    expect(IDEMPOTENT_MUTATIONS.has("ProductAddMedia")).toBe(false);
    expect(IDEMPOTENT_MUTATIONS.has("BulkOperationRunQuery")).toBe(false);
  });
});
