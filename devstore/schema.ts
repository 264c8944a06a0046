import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { createRequire } from "node:module";
import { buildClientSchema, type GraphQLSchema, type IntrospectionQuery } from "graphql";
import { SHOPIFY_API_VERSION } from "../lib/shopify-admin/version";

const cache = new Map<string, GraphQLSchema>();

/** Path of the Admin API introspection that `@shopify/dev-mcp` ships for `version`. */
export function adminSchemaPath(version: string = SHOPIFY_API_VERSION): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve("@shopify/dev-mcp/package.json");
  return path.join(path.dirname(pkg), "data", `admin_schema_${version}.json.gz`);
}

/** Shopify's real Admin GraphQL schema (client schema: types only, no resolvers), built once per version. */
export function loadAdminSchema(version: string = SHOPIFY_API_VERSION): GraphQLSchema {
  const hit = cache.get(version);
  if (hit) return hit;
  const file = adminSchemaPath(version);
  if (!fs.existsSync(file)) {
    throw new Error(`No Admin schema for API version ${version} at ${file}; install @shopify/dev-mcp@1.1.0 (devDependency).`);
  }
  const raw = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString("utf8")) as { data?: IntrospectionQuery };
  if (!raw.data?.__schema) throw new Error(`${file} is not a GraphQL introspection result.`);
  const schema = buildClientSchema(raw.data);
  cache.set(version, schema);
  return schema;
}
