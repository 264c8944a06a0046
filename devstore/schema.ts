import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { createRequire } from "node:module";
import { buildClientSchema, type GraphQLSchema, type IntrospectionQuery } from "graphql";
import { SHOPIFY_API_VERSION } from "../lib/shopify-admin/version";

const cache = new Map<string, GraphQLSchema>();

/** The installed `@shopify/dev-mcp` folder (its `exports` hide package.json, so it is looked up the way Node would). */
function devMcpDir(): string {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths("@shopify/dev-mcp") ?? []) {
    const candidate = path.join(dir, "@shopify", "dev-mcp");
    if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
  }
  throw new Error(
    "@shopify/dev-mcp (a devDependency that ships Shopify's Admin schemas) is not installed: run npm ci.",
  );
}

/** Path of the Admin API introspection that the pinned `@shopify/dev-mcp` ships for `version` (`dist/data/admin_<version>.json.gz`). */
export function adminSchemaPath(version: string = SHOPIFY_API_VERSION): string {
  return path.join(devMcpDir(), "dist", "data", `admin_${version}.json.gz`);
}

/** Shopify's real Admin GraphQL schema (client schema: types only, no resolvers), built once per version. */
export function loadAdminSchema(version: string = SHOPIFY_API_VERSION): GraphQLSchema {
  const hit = cache.get(version);
  if (hit) return hit;
  const file = adminSchemaPath(version);
  if (!fs.existsSync(file)) {
    throw new Error(
      `No Admin schema for API version ${version} at ${file}; install the pinned @shopify/dev-mcp devDependency (npm ci), or pick a version it ships.`,
    );
  }
  const raw = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString("utf8")) as { data?: IntrospectionQuery };
  if (!raw.data?.__schema) throw new Error(`${file} is not a GraphQL introspection result.`);
  const schema = buildClientSchema(raw.data);
  cache.set(version, schema);
  return schema;
}
