import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { queryCost } from "./cost";
import { loadAdminSchema } from "./schema";

const schema = loadAdminSchema();

function cost(query: string, variables: Record<string, unknown> = {}, data?: unknown): number {
  const doc = parse(query);
  const operation = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    doc.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  return queryCost({ schema, operation, fragments, variables }, data);
}

describe("calculated query cost (Shopify's published rules)", () => {
  it("charges 0 for scalars, 1 for an object", () => {
    expect(cost(`{ shop { name id } }`)).toBe(1);
  });

  it("charges a connection 2 plus its page size times one node", () => {
    expect(cost(`{ products(first: 10) { edges { node { id title } } pageInfo { hasNextPage } } }`)).toBe(12);
    expect(cost(`query($n: Int) { products(first: $n) { nodes { id } } }`, { n: 25 })).toBe(27);
  });

  it("multiplies nested connections", () => {
    // 2 + 10 * (1 product + (2 + 5 * (1 media + 1 image)))
    expect(
      cost(`{ products(first: 10) { nodes { media(first: 5) { nodes { ... on MediaImage { image { url } } } } } } }`),
    ).toBe(2 + 10 * (1 + 2 + 5 * 2));
  });

  it("takes the most expensive possible type of an interface, through fragments", () => {
    const q = `query($ids: [ID!]!) { nodes(ids: $ids) { ...P ... on MediaImage { image { url } preview { image { url } } } } } fragment P on Product { featuredMedia { id } }`;
    // MediaImage: image 1 + preview 1 + preview.image 1 beats Product: featuredMedia 1.
    expect(cost(q, { ids: ["a", "b", "c"] })).toBe(3 * (1 + 3));
  });

  it("charges 10 per mutation field", () => {
    expect(
      cost(
        `mutation { a: fileUpdate(files: []) { files { id } } b: stagedUploadsCreate(input: []) { userErrors { message } } }`,
      ),
    ).toBe(20);
  });

  it("charges actual cost by what came back", () => {
    const data = { products: { nodes: [{ media: { nodes: [{ image: { url: "u" } }] } }, { media: { nodes: [] } }] } };
    expect(
      cost(
        `{ products(first: 10) { nodes { media(first: 5) { nodes { ... on MediaImage { image { url } } } } } } }`,
        {},
        data,
      ),
    ).toBe(2 + (1 + 2 + 2) + (1 + 2));
  });
});
