import type { ApiVersion } from "@shopify/shopify-api";

/**
 * The one Admin API version the app, the worker and the webhooks speak (`shopify.app.toml`'s
 * `[webhooks] api_version` must say the same; a test checks). The local store and the document tests
 * use this version's schema from the pinned `@shopify/dev-mcp` (`dist/data/admin_<version>.json.gz`).
 * Moving to the next version: see README "Admin API version".
 */
export const SHOPIFY_API_VERSION = "2026-10" satisfies `${ApiVersion}`;
