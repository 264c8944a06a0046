/**
 * The one Admin API version the app speaks. It must match the schema the local store and the
 * document tests are built from (`@shopify/dev-mcp` ships `data/admin_schema_<version>.json.gz`),
 * and the `apiVersion` given to `shopifyApp()`.
 */
export const SHOPIFY_API_VERSION = "2025-01";
